"""Source rows for the observatory's tests, written with the dates a test needs (auto_now fields updated after).

The observatory reads the live tables in SQL; these helpers write those rows directly (the services of each app
are tested in their own packages) so that a test can state its hand-counted figures.
"""

from __future__ import annotations

import datetime
import itertools

from django.utils import timezone

from accueil.models import HelpSession
from demandes.models import Request
from mail.models import MailItem
from observatoire.selectors import month_add
from tests.factories import AddressFactory, CitizenFactory, UserFactory
from tests.rendezvous.factories import ParticipantFactory, RendezvousFactory

_numbers = itertools.count(1)

RENNES, SAINT_MALO, VITRE = "35238", "35288", "35360"


def month_start(offset: int = 0) -> datetime.date:
    """First day of the month ``offset`` months from the current one (local time)."""
    return month_add(timezone.localdate().replace(day=1), offset)


def in_month(offset: int, day: int = 3, hour: int = 12) -> datetime.datetime:
    """An aware moment inside the month ``offset`` months from now."""
    return timezone.make_aware(datetime.datetime.combine(month_start(offset).replace(day=day), datetime.time(hour)))


def citizen_in(insee_code: str | None):
    citizen = CitizenFactory()
    if insee_code:
        AddressFactory(citizen=citizen, insee_code=insee_code)
    return citizen


def request_row(*, team, citizen=None, channel="web", submitted, decided=None, title="RSA", status=None):
    number = next(_numbers)
    final = status or ("accepted" if decided else "submitted")
    return Request.objects.create(
        tracking_code=f"D-OBS-{number:06d}",
        procedure_title=title,
        citizen=citizen,
        channel=channel,
        status=final,
        team=team,
        submitted_at=submitted,
        decided_at=decided,
        consent_recorded_at=submitted if channel == "counter" else None,
    )


def mail_row(*, team=None, citizen=None, received, routed=None):
    number = next(_numbers)
    item = MailItem.objects.create(
        registration_number=f"2099-C-{number:06d}",
        year=2099,
        number=number,
        original=f"mail/test/{number}.pdf",
        original_name="scan.pdf",
        content_type="application/pdf",
        size=10,
        sha256=f"{number:064d}",
        uploaded_by=UserFactory(staff=True),
        citizen=citizen,
        team=team,
        routed_at=routed,
        status="routed" if routed else "received",
    )
    MailItem.objects.filter(pk=item.pk).update(received_at=received)
    return item


def participant_row(*, motif, lieu, citizen, starts, status):
    rdv = RendezvousFactory(motif=motif, lieu=lieu, starts_at=starts)
    return ParticipantFactory(rendezvous=rdv, citizen=citizen, status=status)


def help_row(
    *,
    site,
    agent,
    held,
    level="coup_de_pouce",
    place="guichet",
    outcome="abouti",
    procedures=("caf",),
    commune=None,
    citizen=None,
    minutes=None,
):
    return HelpSession.objects.create(
        held_at=held,
        agent=agent,
        site=site,
        place_kind=place,
        level=level,
        procedures=list(procedures),
        outcome=outcome,
        commune_id=commune,
        citizen=citizen,
        consent_recorded_at=held if level == "substitution" else None,
        duration_minutes=minutes,
    )
