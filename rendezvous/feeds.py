"""An agent's private webcal feed: ``/agenda/<token>.ics``, subscribed to from their calendar application.

The calendar application fetches it without a session, so the secret is the URL: 32 random bytes, only
their SHA-256 kept (``AgentCalendarToken``), shown once, revocable (a new one revokes the old ones). The feed
says the least a calendar needs: "Rendez-vous", the times and the lieu's name — no person, no motif, no
address of a home visit — since it leaves the Département's systems. An unknown or revoked token is a 404.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from .models import AgentCalendarToken, Rendezvous
from .notifications.ics import agent_feed_ics

TOKEN_PREFIX = "cal_"  # noqa: S105  (a marker for secret scanners, not a secret)


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def agent_calendar_token_create(*, user) -> str:
    """A new feed secret for ``user`` (their earlier ones revoked). Returns the raw token: shown once."""
    now = timezone.now()
    AgentCalendarToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    AgentCalendarToken.objects.create(user=user, token_hash=token_hash(raw))
    return raw


def agent_calendar_token_revoke(*, user) -> int:
    """Revoke every feed secret of ``user`` (their subscription stops updating). Returns how many."""
    return AgentCalendarToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


def feed_appointments(*, raw_token: str):
    """(agent, appointments) of a valid feed token — the agent's appointments from 30 days ago to
    ``RENDEZVOUS_FEED_DAYS`` ahead (cancelled ones included, marked cancelled, so calendars drop them) —
    or ``Http404``. The feed names no one: no access-log row (nothing personal is read)."""
    token = (
        AgentCalendarToken.objects.select_related("user")
        .filter(token_hash=token_hash(raw_token or ""), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        raise Http404
    now = timezone.now()
    ahead = datetime.timedelta(days=getattr(settings, "RENDEZVOUS_FEED_DAYS", 180))
    appointments = (
        Rendezvous.objects.filter(agent=token.user, starts_at__gte=now - datetime.timedelta(days=30))
        .filter(starts_at__lte=now + ahead)
        .select_related("lieu", "motif")
        .order_by("starts_at")
    )
    return token.user, appointments


@login_not_required
@require_GET
def agent_feed(request, token: str):
    """The feed itself (text/calendar); 404 for any token that is not a live one."""
    _agent, appointments = feed_appointments(raw_token=token)
    body = agent_feed_ics(appointments=appointments, name="Mes rendez-vous")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
