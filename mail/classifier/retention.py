"""The classifier's artefacts leave with the letters they learned from (an extension of the ``mail`` purpose).

A trained artefact holds hashed word and character n-grams of the agents' qualified letters, weighted
by a linear model: no word can be read from it, but the hashing is public and unsalted, so whoever holds
the file can test whether a guessed name or address left weight in its buckets. It is therefore treated
as pseudonymised personal data (see ``docs/mail-routing.md``), and kept no longer than the letters:

when the ``mail`` retention purpose anonymises letters (the nightly rule, or a citizen's erasure, which
runs the same purpose), every kept artefact that may have learned from one of them — trained after the
letter was qualified, from decisions reaching back to it (``MailModel.decisions_from``; unknown on older
versions: assumed) — is deleted from the private storage once the transaction commits (privacy's
``Forget``), its row keeping its figures; and a training is asked for, so the mailroom gets back a model
learned without those letters (their text is already empty when it runs). Registered from ``apps.py``
through ``grc.retention_registry``: mail does not import privacy.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db.models import Max, Min, Q

from grc.retention_registry import RetentionExtension
from mail.models import MailItem, MailModel, MailModelTraining

from .services import mail_model_training_request

logger = logging.getLogger(__name__)


def artefacts_holding(ids) -> list[MailModel]:
    """The versions whose stored artefact may have learned from the letters ``ids`` (qualified ones)."""
    span = MailItem.objects.filter(pk__in=ids, qualified_at__isnull=False).aggregate(
        first=Min("qualified_at"), last=Max("qualified_at")
    )
    if span["first"] is None:
        return []
    rows = MailModel.objects.exclude(artefact="").filter(trained_at__gte=span["first"])
    rows = rows.filter(Q(decisions_from__isnull=True) | Q(decisions_from__lte=span["last"]))
    return list(rows.only("pk", "version", "artefact"))


def _forget_artefacts(ids, *, actor, reason, counts, forget):
    rows = artefacts_holding(ids)
    if not rows:
        return
    forget.files += [(row.artefact.storage, row.artefact.name) for row in rows]
    MailModel.objects.filter(pk__in=[row.pk for row in rows]).update(artefact="")
    counts["mail_model_artefacts_deleted"] += len(rows)
    try:
        mail_model_training_request(trigger=MailModelTraining.Trigger.FORGET)
    except ValidationError:
        # One is already queued or running: it reads the decisions when it starts, after this commit.
        # (A training running now read them before: the next scheduled one replaces its artefact.)
        logger.info("mail classifier: a training is already on its way after letters were forgotten")


MODEL_ARTEFACTS = RetentionExtension(key="mail", name="mail_model_artefacts", apply=_forget_artefacts)
