"""Background tasks of appointments (django-tasks; ``manage.py db_worker`` runs them, ``run_scheduler``
enqueues the periodic ones listed in ``settings.SCHEDULED_JOBS``).

The per-event tasks live beside what they do: ``rendezvous.notifications.jobs.rdv_notice_send`` (e-mail and
SMS of one appointment) and ``rendezvous.webhooks.webhooks_dispatch`` / ``webhook_deliver``.
"""

from __future__ import annotations

import logging

from django_tasks import task

from .notifications.jobs import rdv_notice_send
from .notifications.send import reminders_due

logger = logging.getLogger(__name__)


@task()
def rdv_reminders_send() -> int:
    """Every few minutes (scheduler): claim the appointments entering the reminder window (48 hours) and
    enqueue one reminder task each. Returns how many were claimed."""
    ids = reminders_due()
    for rendezvous_id in ids:
        rdv_notice_send.enqueue(rendezvous_id, "reminder", None)
    if ids:
        logger.info("appointment reminders: %s enqueued", len(ids))
    return len(ids)
