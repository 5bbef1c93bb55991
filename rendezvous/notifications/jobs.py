"""The worker's side of the notices (django-tasks; ``manage.py db_worker`` runs them)."""

from __future__ import annotations

from django_tasks import task

from .send import notice_send


@task()
def rdv_notice_send(rendezvous_id: int, event: str, participant_id: int | None = None) -> int:
    """Send the notice of ``event`` about appointment ``rendezvous_id``; returns how many messages were logged."""
    return len(notice_send(rendezvous_id=rendezvous_id, event=event, participant_id=participant_id))
