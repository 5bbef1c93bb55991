"""The worker's side of the classifier: ``retrain_mail_classifier`` trains a new version.

The training a functional admin or the volume of new decisions asked for (``training_id``), or, as the
daily scheduled job (``SCHEDULED_JOBS``), a new one unless one is already queued or running.
"""

from __future__ import annotations

from django_tasks import task

from grc.scheduling import lease_cutoff
from mail.models import MailModelTraining

from .jobs import run_training

LEASE_SETTING = "MAIL_CLASSIFIER_TRAINING_LEASE_SECONDS"
LIVE = (MailModelTraining.Status.QUEUED, MailModelTraining.Status.RUNNING)


@task()
def retrain_mail_classifier(training_id: int | None = None) -> str:
    """Train the mail classifier (see ``mail.classifier.jobs``); without ``training_id``: the scheduled run."""
    if training_id is None:
        if MailModelTraining.objects.filter(status__in=LIVE, requested_at__gte=lease_cutoff(LEASE_SETTING)).exists():
            return "skipped"
        training_id = MailModelTraining.objects.create(trigger=MailModelTraining.Trigger.SCHEDULED).pk
    return run_training(training_id)
