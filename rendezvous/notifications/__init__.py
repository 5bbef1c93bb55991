"""Notices about appointments: e-mail (with an ``.ics``), SMS (provider chosen by settings), webhooks.

The booking services call :func:`rdv_notify` when an appointment is created, changed or cancelled; the
scheduler's reminder job (``rendezvous.tasks.rdv_reminders_send``) sends the reminders. Everything is sent
by the worker after the transaction commits: a rolled-back booking notifies no one, a slow mail server or
SMS provider never slows a page, and each message is logged (``MessageLog``).
"""

from __future__ import annotations

import datetime
import json

from django.conf import settings
from django.utils import timezone

from grc.notices import NoticeSwitch
from grc.scheduling import enqueue_on_commit

from ..models import Rendezvous
from ..webhooks import payload, webhooks_dispatch
from .jobs import rdv_notice_send

EVENTS = ("created", "changed", "cancelled")

# No notice nor webhook is scheduled inside ``with suppressed():`` (demo seeding, bulk imports, benchmarks).
_switch = NoticeSwitch()
suppressed = _switch.suppressed
is_suppressed = _switch.is_suppressed


def rdv_notify(*, rendezvous, event: str, participant=None, participant_count: int | None = None) -> None:
    """Schedule, for after the commit, the notice of ``event`` (created | changed | cancelled) to the
    appointment's participants — or to ``participant`` only (one person joining or leaving a group
    session) — and the webhooks of the motif's team.

    The webhook body is taken now, so it describes the appointment as this event left it (``participant_count``
    when the caller knows it saves counting). A move (``changed``)
    to beyond the reminder window re-arms the reminder."""
    if event not in EVENTS:
        raise ValueError(f"unknown appointment event {event!r}")
    if event == "changed":
        _reminder_again(rendezvous)
    if is_suppressed():
        return
    rendezvous_id = rendezvous.pk
    participant_id = participant.pk if participant is not None else None
    what = f"rendez-vous {rendezvous_id} {event}"
    enqueue_on_commit(rdv_notice_send, rendezvous_id, event, participant_id, what=what, on_failure=_nothing)
    body = json.dumps(
        payload(rendezvous=rendezvous, event=event, participant_count=participant_count), ensure_ascii=False
    )
    team_id = rendezvous.motif.team_id
    enqueue_on_commit(webhooks_dispatch, body, team_id, rendezvous_id, what=what, on_failure=_nothing)


def _reminder_again(rendezvous) -> None:
    """A moved appointment whose new time is beyond the reminder window gets its reminder again (the one sent
    was for the old time); moved inside the window, the change notice serves as the reminder."""
    window = datetime.timedelta(hours=getattr(settings, "RENDEZVOUS_REMINDER_HOURS", 48))
    Rendezvous.objects.filter(pk=rendezvous.pk, starts_at__gt=timezone.now() + window).exclude(
        reminder_sent_at=None
    ).update(reminder_sent_at=None)


def _nothing() -> None:
    """A notice the queue refused is not retried: the appointment stands, the message log shows no row."""
