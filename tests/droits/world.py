"""Helpers of the social-file side of rights estimates: a team following files, its agents, a person with a
file, a consent and a recorded situation (through the services, as the screens do)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from dossier_unique.models import Programme
from droits import services
from grc.models import Membership
from tests.dossier_unique.factories import open_file
from tests.factories import CitizenFactory, MembershipFactory, TeamFactory, UserFactory


def agent_of(team, role=Membership.Role.SOCIAL_WORKER, **names):
    user = UserFactory(staff=True, **names)
    MembershipFactory(user=user, team=team, role=role)
    return user


def person_with_file(team, agent, *, programme=Programme.PMI, **names):
    citizen = CitizenFactory(**names)
    file, _ = open_file(citizen=citizen, team=team, actor=agent, programme=programme)
    return file


def single(birth=datetime.date(1985, 3, 1), **resources) -> list[dict]:
    """One adult, 25+ and with no resources unless given (the RSA case)."""
    return [{"role": "demandeur", "birth_date": birth, "first_name": "Alex", **resources}]


def record(file, agent, *, members=None, housing_status="locataire", rent="450", commune="35238", receives=()):
    """A consent given orally and the situation recorded, by ``agent``."""
    services.consent_record(actor=agent, file=file, method="oral")
    return services.situation_save(
        actor=agent,
        file=file,
        housing_status=housing_status,
        rent_monthly=Decimal(rent),
        commune_code=commune,
        already_receives=list(receives),
        members=members if members is not None else single(),
    )


def a_team(name="Polyvalence — CDAS Vitré (droits)"):
    return TeamFactory(name=name)
