"""Demo data of the privacy area: the default retention rules and three GDPR requests in different states.

Idempotent: requests are looked up by their requester identity (a stable demo key).
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from grc.history import save_tracked
from grc.models import Citizen, Membership, User
from privacy.models import GdprRequest, RetentionRule
from privacy.retention import retention_rules_ensure
from privacy.services import legal_deadline

DEMO_REQUESTS = [
    # (key, kind, channel, days ago, status)
    ("Demande de démonstration n° 1 — copie de mon dossier", "access", "mail", 40, "in_progress"),
    ("Demande de démonstration n° 2 — corriger mon adresse", "rectification", "portal", 5, "received"),
    ("Demande de démonstration n° 3 — effacer mon compte", "erasure", "email", 70, "answered"),
]


def seed(*, actor, counts):
    """The registered seeder (``demo.privacy``): the default retention rules, three GDPR requests."""
    existing = set(RetentionRule.objects.values_list("purpose", flat=True))
    for rule in retention_rules_ensure(actor=actor):
        counts.add("règles de conservation", created=rule.purpose not in existing)
    dpo = User.objects.filter(memberships__role=Membership.Role.DPO, is_active=True).order_by("pk").first()
    citizens = list(Citizen.objects.filter(status=Citizen.Status.ACTIVE).order_by("pk")[:3])
    today = timezone.localdate()
    for index, (key, kind, channel, days_ago, status) in enumerate(DEMO_REQUESTS):
        if GdprRequest.objects.filter(requester_identity=key).exists():
            counts.add("demandes RGPD", created=False)
            continue
        received_on = today - datetime.timedelta(days=days_ago)
        number = GdprRequest.objects.filter(reference__startswith=f"RGPD-{received_on.year}-").count() + 1
        gdpr_request = GdprRequest(
            reference=f"RGPD-{received_on.year}-{number:04d}",
            kind=kind,
            channel=channel,
            requester_identity=key,
            received_on=received_on,
            deadline=legal_deadline(received_on=received_on),
            status=status,
            owner=dpo,
            citizen=citizens[index] if index < len(citizens) else None,
            answered_on=today - datetime.timedelta(days=50) if status == "answered" else None,
        )
        save_tracked(gdpr_request, actor, "données de démonstration")
        counts.add("demandes RGPD", created=True)
