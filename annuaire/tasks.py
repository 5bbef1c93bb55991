"""Background tasks of the annuaire (django-tasks; ``run_scheduler`` enqueues them from ``SCHEDULED_JOBS``)."""

from __future__ import annotations

import logging

from django_tasks import task

from .staleness import stale_reminders_send

logger = logging.getLogger(__name__)


@task()
def annuaire_stale_reminders() -> dict:
    """Daily: remind the editors of records not updated for 12 months (one e-mail each, monthly at most)."""
    summary = stale_reminders_send()
    logger.info("annuaire staleness: %(records)s records, %(emails)s e-mails", summary)
    return summary
