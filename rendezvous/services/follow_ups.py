"""The end of an invitation's follow-up: tell the apps above (``rendezvous.events``) that nobody has to call
the person back any more, because they booked that motif or were sent a new invitation for it."""

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
