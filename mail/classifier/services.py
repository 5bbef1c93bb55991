"""Asking for a training of the mail classifier: by the functional admin, the schedule, or the volume of
new decisions. The worker runs it (``mail.classifier.tasks.retrain_mail_classifier``); one at a time.

``MAIL_CLASSIFIER_RETRAIN_EVERY`` (200): after that many letters qualified since the last training was
asked for, the next qualification asks for one. A training queued or running for longer than
``MAIL_CLASSIFIER_TRAINING_LEASE_SECONDS`` (3600) counts as lost: another may be asked for.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grc.scheduling import enqueue_on_commit, lease_cutoff
from mail.models import MailItem, MailModelTraining
from mail.perms import can_manage_mail_classifier

from .tasks import LEASE_SETTING, LIVE, retrain_mail_classifier


def retrain_every() -> int:
    return max(1, int(getattr(settings, "MAIL_CLASSIFIER_RETRAIN_EVERY", 200)))


def live_training() -> MailModelTraining | None:
    """The training queued or running now (not lost), if any."""
    return (
        MailModelTraining.objects.filter(status__in=LIVE, requested_at__gte=lease_cutoff(LEASE_SETTING))
        .order_by("-requested_at")
        .first()
    )


def _mark_failed(training_id: int) -> None:
    MailModelTraining.objects.filter(pk=training_id, status=MailModelTraining.Status.QUEUED).update(
        status=MailModelTraining.Status.FAILED,
        finished_at=timezone.now(),
        error=_("La file des tâches a refusé l'entraînement : redemandez-le."),
    )


@transaction.atomic
def mail_model_training_request(*, trigger: str, actor=None) -> MailModelTraining:
    """Queue a training (enqueued for the worker once committed).

    ``trigger="manual"`` is the functional admin's "Réentraîner maintenant" (``can_manage_mail_classifier``,
    else ``PermissionDenied``); a training already queued or running is refused with a French message.
    """
    if trigger == MailModelTraining.Trigger.MANUAL and not can_manage_mail_classifier(actor):
        raise PermissionDenied
    # Serialise the askers: two clicks (or the schedule and a click) give one training.
    list(MailModelTraining.objects.select_for_update().filter(status__in=LIVE).values_list("pk", flat=True))
    if live_training() is not None:
        raise ValidationError(_("Un entraînement est déjà en attente ou en cours : attendez qu'il se termine."))
    training = MailModelTraining.objects.create(trigger=trigger, requested_by=actor)
    enqueue_on_commit(
        retrain_mail_classifier,
        training.pk,
        what=f"mail classifier training {training.pk}",
        on_failure=lambda: _mark_failed(training.pk),
    )
    return training


def mail_model_retrain_if_due() -> MailModelTraining | None:
    """Ask for a training when ``retrain_every()`` letters were qualified since the last one was asked for."""
    last = MailModelTraining.objects.order_by("-requested_at").values_list("requested_at", flat=True).first()
    decided = MailItem.objects.filter(qualified_at__isnull=False)
    if last is not None:
        decided = decided.filter(qualified_at__gt=last)
    if decided[: retrain_every()].count() < retrain_every():
        return None
    try:
        return mail_model_training_request(trigger=MailModelTraining.Trigger.VOLUME)
    except ValidationError:
        return None  # one is already on its way
