"""Webhooks: each appointment created, changed or cancelled is POSTed to the endpoints that follow its team,
signed with HMAC-SHA256, delivered by the worker, every attempt logged, failures retried with a growing delay.

What a receiver gets (docs/appointments.md, "Webhooks"):

- body: JSON ``{"event": "rendezvous.created", "occurred_at": …, "rendezvous": {…}}`` — times, status, motif
  (its name left out when the motif is sensitive), lieu, agent (id and e-mail), the number of participants.
  No citizen's identity: a receiver that needs the person asks the API, which checks its rights and logs it.
- headers: ``X-GRC-Event``, ``X-GRC-Delivery`` (one id per event and endpoint, the same on every retry:
  a receiver drops duplicates with it), ``X-GRC-Timestamp`` (Unix seconds) and
  ``X-GRC-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the endpoint's secret>``.
  A receiver recomputes it, compares in constant time and refuses a timestamp more than 5 minutes old.

A 2xx answer is a success; anything else (another status, a timeout, a refused connection) is logged and
tried again after 1, 5, 30 minutes, 2 and 6 hours (``RENDEZVOUS_WEBHOOK_MAX_ATTEMPTS``, 6 by default).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import logging
import secrets
import time
import uuid

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import default_task_backend, task

from grc.history import save_tracked

from .models import Rendezvous, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

EVENTS = {"created": "rendezvous.created", "changed": "rendezvous.changed", "cancelled": "rendezvous.cancelled"}
RETRY_DELAYS_MINUTES = [1, 5, 30, 120, 360]
USER_AGENT = "GRC-Departement-Webhooks/1.0"


def sign(*, secret: str, timestamp: int, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of ``"<timestamp>.<body>"`` with ``secret``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(*, secret: str, timestamp: str, body: bytes, signature: str, tolerance_seconds: int = 300) -> bool:
    """What a receiver does (and what the tests do as one): same signature, timestamp recent enough."""
    try:
        moment = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs(time.time() - moment) > tolerance_seconds:
        return False
    return hmac.compare_digest(sign(secret=secret, timestamp=moment, body=body), signature or "")


def payload(*, rendezvous, event: str, participant_count: int | None = None) -> dict:
    """The JSON-ready body of ``event`` for ``rendezvous`` (as it is now: taken when the event happens).
    ``participant_count``: when the caller knows it (a new individual appointment has one), no count query."""
    motif, lieu = rendezvous.motif, rendezvous.lieu
    return {
        "event": EVENTS[event],
        "occurred_at": timezone.now().isoformat(),
        "rendezvous": {
            "id": rendezvous.pk,
            "status": rendezvous.status,
            "starts_at": rendezvous.starts_at.isoformat(),
            "ends_at": rendezvous.ends_at.isoformat(),
            "channel": rendezvous.channel,
            "capacity": rendezvous.capacity,
            "motif": {
                "id": motif.pk,
                "name": None if motif.is_sensitive else motif.name,
                "team_id": motif.team_id,
                "location_type": motif.location_type,
            },
            "lieu": None
            if lieu is None
            else {"id": lieu.pk, "name": lieu.name, "address": lieu.address, "postcode": lieu.postcode},
            "agent": {"id": rendezvous.agent_id, "email": rendezvous.agent.email},
            "participants": rendezvous.participants.count() if participant_count is None else participant_count,
            "cancel_reason": rendezvous.cancel_reason if rendezvous.status != Rendezvous.Status.ACTIVE else "",
        },
    }


@transaction.atomic
def webhook_endpoint_create(*, actor, name: str, url: str, teams=(), all_teams: bool = False) -> tuple:
    """Declare a receiver (functional admin): ``(endpoint, secret)``, the secret shown once to be given to the
    receiver. An https URL is required outside development (``http://`` only to localhost)."""
    URLValidator(schemes=["https", "http"])(url)
    if url.startswith("http://") and not url.startswith(("http://127.0.0.1", "http://localhost")):
        raise ValidationError({"url": "Adresse en https obligatoire (http seulement vers la machine locale)."})
    if not all_teams and not teams:
        raise ValidationError({"teams": "Choisissez au moins une équipe, ou toutes les équipes."})
    secret = secrets.token_urlsafe(32)
    endpoint = save_tracked(
        WebhookEndpoint(name=name, url=url, secret=secret, all_teams=all_teams), actor, "déclaration du webhook"
    )
    endpoint.teams.set(teams)
    return endpoint, secret


@transaction.atomic
def webhook_endpoint_disable(*, endpoint: WebhookEndpoint, actor) -> WebhookEndpoint:
    """Stop sending to ``endpoint`` (functional admin): no new delivery, the retries waiting are dropped by the
    worker (``webhook_deliver`` reads ``is_active``). Its deliveries stay listed."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if not endpoint.is_active:
        raise ValidationError("Ce webhook est déjà désactivé.")
    endpoint.is_active = False
    return save_tracked(endpoint, actor, "désactivation du webhook", update_fields=["is_active"])


def endpoints_for(*, team_id: int):
    """Active endpoints that follow ``team_id`` (or every team)."""
    return WebhookEndpoint.objects.filter(Q(all_teams=True) | Q(teams=team_id), is_active=True).distinct()


@task()
def webhooks_dispatch(body: str, team_id: int, rendezvous_id: int | None = None) -> int:
    """Fan one event out: one delivery task per endpoint following the team. Returns how many."""
    count = 0
    for endpoint in endpoints_for(team_id=team_id):
        webhook_deliver.enqueue(endpoint.pk, body, rendezvous_id, str(uuid.uuid4()), 1)
        count += 1
    return count


def _retry(endpoint_id, body, rendezvous_id, delivery_id, attempt) -> bool:
    maximum = getattr(settings, "RENDEZVOUS_WEBHOOK_MAX_ATTEMPTS", len(RETRY_DELAYS_MINUTES) + 1)
    if attempt >= maximum:
        return False
    delay = datetime.timedelta(minutes=RETRY_DELAYS_MINUTES[min(attempt - 1, len(RETRY_DELAYS_MINUTES) - 1)])
    deliver = webhook_deliver
    if default_task_backend.supports_defer:
        deliver = webhook_deliver.using(run_after=timezone.now() + delay)
    deliver.enqueue(endpoint_id, body, rendezvous_id, delivery_id, attempt + 1)
    return True


def deliver(*, endpoint: WebhookEndpoint, body: str, delivery_id: str, attempt: int, rendezvous_id=None):
    """POST ``body`` to ``endpoint`` once, signed; log the attempt. Returns the ``WebhookDelivery`` row."""
    raw = body.encode()
    event = json.loads(body).get("event", "")
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-GRC-Event": event,
        "X-GRC-Delivery": delivery_id,
        "X-GRC-Timestamp": str(timestamp),
        "X-GRC-Signature": sign(secret=endpoint.secret, timestamp=timestamp, body=raw),
    }
    status, error = None, ""
    try:
        response = httpx.post(
            endpoint.url,
            content=raw,
            headers=headers,
            timeout=getattr(settings, "RENDEZVOUS_WEBHOOK_TIMEOUT", 10),
            follow_redirects=False,
        )
        status = response.status_code
        if not 200 <= status < 300:
            error = f"HTTP {status}"
    except httpx.HTTPError as exc:
        error = type(exc).__name__
    if rendezvous_id is not None and not Rendezvous.objects.filter(pk=rendezvous_id).exists():
        rendezvous_id = None  # gone since (retention): the attempt is still logged
    return WebhookDelivery.objects.create(
        endpoint=endpoint,
        rendezvous_id=rendezvous_id,
        event=event[:40],
        payload_sha256=hashlib.sha256(raw).hexdigest(),
        attempt=attempt,
        status_code=status,
        error=error[:500],
    )


@task()
def webhook_deliver(endpoint_id: int, body: str, rendezvous_id: int | None, delivery_id: str, attempt: int) -> str:
    """Deliver one event to one endpoint; on failure, enqueue the next attempt after its delay."""
    endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id, is_active=True).first()
    if endpoint is None:
        return "endpoint inactive"
    delivery = deliver(
        endpoint=endpoint, body=body, delivery_id=delivery_id, attempt=attempt, rendezvous_id=rendezvous_id
    )
    if not delivery.error:
        return "delivered"
    logger.warning("webhook %s: attempt %s failed (%s)", endpoint_id, attempt, delivery.error)
    return "retry" if _retry(endpoint_id, body, rendezvous_id, delivery_id, attempt) else "abandoned"
