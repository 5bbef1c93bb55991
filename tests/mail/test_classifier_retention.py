"""The classifier's artefacts leave with the letters they learned from (``mail.classifier.retention``).

Real training, real storage, the real retention run (privacy's ``retention_apply``, which a citizen's
erasure shares through ``process_batch``): the artefact that learned an erased letter's text is deleted
from the private storage and a training is asked for; one trained on later decisions only is kept.
"""

import datetime

import pytest
from django.utils import timezone

from dossier_unique.documents import document_storage
from mail.classifier import store
from mail.classifier.jobs import _discard_if_forgotten
from mail.classifier.retention import artefacts_holding
from mail.models import MailItem, MailModel, MailModelTraining
from privacy.models import RetentionRule
from privacy.retention import retention_apply, retention_rules_ensure
from tests.factories import UserFactory
from tests.mail import test_classifier
from tests.mail.test_classifier import TRANSPORT, make_item, train_now

# The three-type world of the classifier tests (a fixture; training on three types keeps this quick).
types = test_classifier.types

pytestmark = pytest.mark.django_db

SEVEN_YEARS_AGO = timezone.now() - datetime.timedelta(days=7 * 365)


@pytest.fixture(autouse=True)
def fresh_cache():
    store.forget_loaded()
    yield
    store.forget_loaded()


def _stored(model) -> bool:
    return bool(model.artefact.name) and document_storage().exists(model.artefact.name)


def _old_decision(types, agent):
    """A letter qualified and handled seven years ago, past the mail rule's five years, its text still there."""
    item = make_item(
        TRANSPORT + "\nMme Zéphyrine Quillivic-Brangoulo",
        mail_type=types["transport-scolaire"],
        qualified_at=SEVEN_YEARS_AGO,
        qualified_by=agent,
        handled_at=SEVEN_YEARS_AGO + datetime.timedelta(days=2),
    )
    MailItem.objects.filter(pk=item.pk).update(status=MailItem.Status.HANDLED)
    return item


def test_an_artefact_goes_with_the_letters_it_learned_from(
    types, dpo, recorded_tasks, django_capture_on_commit_callbacks
):
    agent = UserFactory(staff=True)
    old = _old_decision(types, agent)
    learned = train_now().model
    assert learned.decisions_from == SEVEN_YEARS_AGO and _stored(learned)
    # A later version whose decisions start after the old letter (the window moved on): it never saw it.
    later = train_now().model
    MailModel.objects.filter(pk=later.pk).update(decisions_from=timezone.now() - datetime.timedelta(days=30))
    assert [row.pk for row in artefacts_holding([old.pk])] == [learned.pk]

    learned_file = learned.artefact.name
    retention_rules_ensure(actor=dpo)
    with django_capture_on_commit_callbacks(execute=True):
        run = retention_apply(rule=RetentionRule.objects.get(purpose="mail"), actor=dpo)

    old.refresh_from_db()
    assert old.ocr_text == ""
    assert run.counts["mail_model_artefacts_deleted"] == 1
    learned.refresh_from_db()
    later.refresh_from_db()
    assert not learned.artefact and not document_storage().exists(learned_file)
    assert learned.evaluation["top1"] > 0  # the row keeps its figures
    assert _stored(later)
    assert store.current_classifier().version == later.version
    asked = MailModelTraining.objects.filter(trigger=MailModelTraining.Trigger.FORGET)
    assert asked.count() == 1
    retrains = [r for r in recorded_tasks if r.task.func.__name__ == "retrain_mail_classifier"]
    assert [r.args for r in retrains] == [[asked.get().pk]]


def test_a_version_trained_while_its_letters_were_erased_is_discarded(types):
    agent = UserFactory(staff=True)
    letter = make_item(
        TRANSPORT, mail_type=types["transport-scolaire"], qualified_at=timezone.now(), qualified_by=agent
    )
    model = train_now().model
    MailItem.objects.filter(pk=letter.pk).update(ocr_text="")  # erased after the examples were read

    with pytest.raises(ValueError, match="Des courriers appris ont été effacés pendant l'entraînement"):
        _discard_if_forgotten(model, [letter.pk])

    model.refresh_from_db()
    assert not model.artefact
    assert store.current_classifier() is None
