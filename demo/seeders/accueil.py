"""Demo digital-help sessions: about 300 per pilot CDAS over the last twelve months, and a few linked to demo
citizens (through the service, so they show on their timelines).

The bulk is written with ``bulk_create_with_history`` (one history row each, like the service): a year of a
pilot's activity through the service would cost a minute of ``seed_demo``. Idempotent: nothing is added at a
pilot CDAS that already has sessions. Deterministic (seeded random), so two runs give the same figures.
"""

from __future__ import annotations

import datetime
import random

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accueil.models import HelpSession
from accueil.perms import RECORDING_ROLES
from accueil.services import help_session_record
from grc.models import Citizen, Commune, Membership, Site
from grc.perms import membership_current_q

from ..records import CHANGE_REASON, Counts

PER_SITE = 300
LINKED = 12
DAYS = 365
LEVELS = {"coup_de_pouce": 35, "accompagnement": 33, "faire_avec": 20, "substitution": 12}
PLACES = {"guichet": 40, "entretien": 25, "permanence": 20, "espace_numerique": 15}
OUTCOMES = {"abouti": 58, "en_cours": 20, "oriente": 14, "non_abouti": 8}
PROCEDURES = {
    "caf": 22,
    "ameli": 15,
    "ants": 12,
    "impots": 10,
    "france_travail": 10,
    "rsa": 8,
    "retraite": 6,
    "mdph": 5,
    "departement": 5,
    "compte": 8,
    "energie": 3,
    "logement": 4,
    "msa": 2,
    "banque": 2,
    "autre": 3,
}
ORIENTATIONS = [
    "France Services",
    "Conseiller numérique de la commune",
    "CAF (rendez-vous)",
    "Médiathèque, atelier numérique",
    "CCAS",
    "Point d'accès au droit",
]
DURATIONS = [5, 10, 10, 15, 15, 20, 30, 30, 45, 60, None]


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _agents(site: Site) -> list[int]:
    return list(
        Membership.objects.filter(membership_current_q(roles=RECORDING_ROLES), team__site=site)
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()
    )


def _moment(rng: random.Random, now: datetime.datetime) -> datetime.datetime:
    day = timezone.localdate(now) - datetime.timedelta(days=rng.randrange(1, DAYS))
    while day.weekday() >= 5:  # CDAS receive the public on working days
        day -= datetime.timedelta(days=1)
    at = datetime.time(rng.choice([9, 10, 11, 14, 15, 16]), rng.randrange(0, 60, 5))
    return timezone.make_aware(datetime.datetime.combine(day, at))


def _session(rng, *, site, agents, communes, weights, now, actor) -> HelpSession:
    level = _pick(rng, LEVELS)
    outcome = _pick(rng, OUTCOMES)
    procedures = {_pick(rng, PROCEDURES) for _ in range(rng.choice([1, 1, 1, 2, 2, 3]))}
    held_at = _moment(rng, now)
    return HelpSession(
        held_at=held_at,
        agent_id=rng.choice(agents) if agents else actor.pk,
        site=site,
        place_kind=_pick(rng, PLACES),
        level=level,
        procedures=[p for p in HelpSession.Procedure.values if p in procedures],
        outcome=outcome,
        orientation=rng.choice(ORIENTATIONS) if outcome == "oriente" else "",
        consent_recorded_at=held_at if level == "substitution" else None,
        commune_id=rng.choices(communes, weights=weights)[0] if communes and rng.random() > 0.08 else None,
        duration_minutes=rng.choice(DURATIONS),
    )


def _site_sessions(rng, site, *, actor, now) -> list[HelpSession]:
    sector = list(Commune.objects.filter(cdas=site).values_list("code", "population"))
    communes = [code for code, _population in sector]
    weights = [max(population or 1, 1) for _code, population in sector]
    agents = _agents(site)
    return [
        _session(rng, site=site, agents=agents, communes=communes, weights=weights, now=now, actor=actor)
        for _ in range(PER_SITE)
    ]


def _linked(rng, site, *, counts: Counts) -> None:
    """A few sessions linked to demo citizens of the sector, recorded as an agent of the CDAS would."""
    members = Membership.objects.filter(membership_current_q(roles=RECORDING_ROLES), team__site=site)
    membership = members.select_related("user").order_by("pk").first()
    if membership is None:
        return
    codes = list(Commune.objects.filter(cdas=site).values_list("code", flat=True))
    citizens = Citizen.objects.filter(addresses__insee_code__in=codes, status=Citizen.Status.ACTIVE)
    for citizen in citizens.distinct().order_by("pk")[:LINKED]:
        level = _pick(rng, LEVELS)
        help_session_record(
            actor=membership.user,
            site=site,
            place_kind=_pick(rng, PLACES),
            level=level,
            procedures=[_pick(rng, PROCEDURES)],
            outcome="abouti",
            citizen=citizen,
            consent_at=timezone.now() if level == "substitution" else None,
            duration_minutes=15,
            held_at=timezone.now() - datetime.timedelta(days=rng.randrange(1, 28)),
        )
        counts.add("séances d'aide numérique", created=True)


@transaction.atomic
def seed(*, actor, counts: Counts) -> None:
    """About 300 sessions per pilot CDAS over a year, and a few linked ones (see the module)."""
    rng = random.Random(2026)  # noqa: S311 -- reproducible demo data, not a secret
    now = timezone.now()
    for site in Site.objects.filter(is_numerique_pilot=True).order_by("name"):
        existing = HelpSession.objects.filter(site=site).count()
        if existing:
            counts.existing["séances d'aide numérique"] += existing
            continue
        sessions = _site_sessions(rng, site, actor=actor, now=now)
        bulk_create_with_history(
            sessions, HelpSession, batch_size=500, default_user=actor, default_change_reason=CHANGE_REASON
        )
        counts.created["séances d'aide numérique"] += len(sessions)
        _linked(rng, site, counts=counts)
