"""The end of an invitation's follow-up, and its return: tell the apps above (``rendezvous.events``) that nobody
has to call the person back any more, because they booked that motif or were sent a new invitation for it; or that
somebody has to again, because the booking that answered it was cancelled."""

from __future__ import annotations

from django.db.models import F

from .. import events
from ..models import Invitation


def invitation_follow_ups_close(*, citizen, motif, actor, why: str, keep=None) -> int:
    """Send ``events.invitation_closed`` (with ``why``) for each invitation of ``citizen`` for ``motif`` that
    expired unused and was followed up (``invitations_follow_up``; a withdrawn one is not waiting), except
    ``keep``. Called inside the caller's transaction; one query when there is none. Returns how many."""
    waiting = Invitation.objects.filter(
        citizen=citizen, motif=motif, used_at__isnull=True, followed_up_at__gt=F("expires_at")
    )
    if keep is not None:
        waiting = waiting.exclude(pk=keep.pk)
    rows = list(waiting.order_by("pk"))
    for invitation in rows:
        events.invitation_closed.send(sender=Invitation, invitation=invitation, actor=actor, why=why)
    return len(rows)


def invitation_follow_ups_reopen(*, citizen_ids, motif, actor) -> int:
    """After a cancellation: send ``events.invitation_reopened`` for each followed-up invitation of ``citizen_ids``
    for ``motif`` that nothing answers any more (no active booking for the motif since it, no newer invitation):
    the invitations page shows it « à relancer » again, and the task that closed itself on the booking opens
    again. Called inside the cancelling transaction, after the cancellation is saved. Returns how many."""
    waiting = (
        Invitation.objects.filter(
            citizen_id__in=citizen_ids, motif=motif, used_at__isnull=True, followed_up_at__gt=F("expires_at")
        )
        .with_what_followed()
        .filter(booked_since__isnull=True, reinvited_at__isnull=True)
    )
    rows = list(waiting.order_by("pk"))
    for invitation in rows:
        events.invitation_reopened.send(sender=Invitation, invitation=invitation, actor=actor)
    return len(rows)
