"""Set-up helpers of the agents' side tests (back office, services, timeline): a team with its agent, a lieu,
motifs and a weekly opening slot, appointments with participants at times relative to now."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from grc.models import Membership, Team
from rendezvous.models import Lieu, Motif, Participant, PlageOuverture, Rendezvous
from rendezvous.slots import is_holiday
from tests.factories import CitizenFactory, MembershipFactory, TeamFactory
from tests.rendezvous.factories import LieuFactory, MotifFactory, PlageFactory


@dataclass
class Desk:
    team: Team
    agent: object
    colleague: object
    lieu: Lieu
    motif: Motif
    plage: PlageOuverture


def desk(*, kind=Team.Kind.RSA, name="RSA — CDAS Vitré", visibility=Motif.Visibility.NORMAL, capacity=1) -> Desk:
    """A team with two social workers, a lieu and a motif open Monday to Friday 9:00–12:00 and 14:00–17:00."""
    team = TeamFactory(name=name, kind=kind)
    agent = MembershipFactory(team=team, role=Membership.Role.SOCIAL_WORKER).user
    colleague = MembershipFactory(team=team, role=Membership.Role.SOCIAL_WORKER).user
    lieu = LieuFactory(name=f"CDAS {name}")
    motif = MotifFactory(team=team, name=f"Entretien {name}", visibility=visibility, capacity=capacity)
    first = timezone.localdate() - datetime.timedelta(days=60)
    plage = PlageFactory(
        agent=agent,
        lieu=lieu,
        first_day=first,
        start_time=datetime.time(9),
        end_time=datetime.time(17),
        motifs=[motif],
    )
    return Desk(team=team, agent=agent, colleague=colleague, lieu=lieu, motif=motif, plage=plage)


def at(days: int, hour: int, minute: int = 0) -> datetime.datetime:
    """Local time ``hour:minute``, ``days`` days from today."""
    day = timezone.localdate() + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=timezone.get_current_timezone())


def open_day(n: int) -> int:
    """How many days from today the ``n``-th working day ahead is (no weekend, no public holiday): the desk's
    opening slot runs on it whatever day the tests run."""
    day, found = 0, 0
    while found < n:
        day += 1
        date = timezone.localdate() + datetime.timedelta(days=day)
        if date.weekday() < 5 and not is_holiday(date):
            found += 1
    return day


def appointment(d: Desk, starts_at: datetime.datetime, *citizens, motif=None, agent=None, lieu=None) -> Rendezvous:
    """An active appointment written directly (no booking rules: tests of what comes after booking)."""
    motif = motif or d.motif
    rendezvous = Rendezvous.objects.create(
        motif=motif,
        lieu=lieu or d.lieu,
        agent=agent or d.agent,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=motif.duration_minutes),
        capacity=motif.capacity,
        created_by=d.agent,
    )
    for citizen in citizens or (CitizenFactory(),):
        Participant.objects.create(rendezvous=rendezvous, citizen=citizen, booked_by=d.agent)
    return rendezvous
