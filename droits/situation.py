"""The recorded situation seen by the engine, and its prefill from the citizen reference.

``engine_situation`` turns the rows of ``RecordedSituation`` + ``SituationMember`` into the engine's frozen
``droits.engine.Situation``; ``prefill`` proposes the household of the reference (current ``Household``
memberships, the person's current address commune) for a first recording. Pure reads, no log: the callers
(selectors, services, the batch) have already checked and logged the read of the file.
"""

from __future__ import annotations

from decimal import Decimal

from droits.engine import Housing, Member, Situation
from grc.models import Address, HouseholdMembership

from .models import RecordedSituation, SituationMember

RESOURCE_FIELDS = (
    "salary_monthly",
    "self_employed_monthly",
    "unemployment_monthly",
    "pension_monthly",
    "other_income_monthly",
)
# Household roles of the reference -> the engine's roles, seen from a member other than the person.
_OTHER_ROLES = {
    HouseholdMembership.Role.DECLARANT: SituationMember.Role.SPOUSE,
    HouseholdMembership.Role.SPOUSE: SituationMember.Role.SPOUSE,
    HouseholdMembership.Role.CHILD: SituationMember.Role.CHILD,
    HouseholdMembership.Role.OTHER_ADULT: SituationMember.Role.OTHER,
    HouseholdMembership.Role.OTHER: SituationMember.Role.OTHER,
}


def engine_member(member: SituationMember) -> Member:
    """One recorded member as the engine's ``Member``."""
    return Member(
        role=member.role,
        birth_date=member.birth_date,
        **{field: Decimal(getattr(member, field)) for field in RESOURCE_FIELDS},
        disability_rate=member.disability_rate,
        gir=member.gir,
        student=member.student,
    )


def engine_situation(situation: RecordedSituation, members) -> Situation:
    """The engine's ``Situation`` for a recorded situation and its members (in their order)."""
    return Situation(
        members=tuple(engine_member(m) for m in members),
        housing=Housing(
            status=situation.housing_status,
            rent_monthly=Decimal(situation.rent_monthly),
            commune_code=situation.commune_id or "",
            shared=situation.shared_housing,
        ),
    )


def prefill(citizen) -> dict:
    """A first recording proposed from the reference: the person as demandeur, the other current members of
    their current household with the engine's role, and the commune of their current address."""
    members = [
        {"citizen": citizen.pk, "first_name": _first(citizen), "role": "demandeur", "birth_date": citizen.birth_date}
    ]
    membership = (
        HouseholdMembership.objects.filter(citizen=citizen, end_date__isnull=True)
        .order_by("-start_date", "-pk")
        .first()
    )
    if membership is not None:
        others = (
            HouseholdMembership.objects.filter(household_id=membership.household_id, end_date__isnull=True)
            .exclude(citizen=citizen)
            .select_related("citizen")
            .order_by("pk")
        )
        spouse_taken = False
        for other in others:
            role = _OTHER_ROLES.get(other.role, SituationMember.Role.OTHER)
            if role == SituationMember.Role.SPOUSE:
                # The reference's declarant is the person's spouse when the person is the spouse; a second
                # "spouse" (an error of the reference) is recorded as another adult, which the agent corrects.
                role = SituationMember.Role.OTHER if spouse_taken else role
                spouse_taken = True
            members.append(
                {
                    "citizen": other.citizen_id,
                    "first_name": _first(other.citizen),
                    "role": role,
                    "birth_date": other.citizen.birth_date,
                }
            )
    address = (
        Address.objects.filter(citizen=citizen, end_date__isnull=True).exclude(insee_code="").order_by("-pk").first()
    )
    return {"members": members, "commune": address.insee_code if address else ""}


def _first(citizen) -> str:
    return (citizen.first_names or "").split(",")[0].strip()
