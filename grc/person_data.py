"""The reference's sections of a person's data (registered from ``apps.py``): identity, records merged
into it, addresses, contact points, households, and who accessed the records (access log).

Households follow the third-party rule of ``docs/data-protection.md``: the person sees the household's
name, their own role and dates, and the **name and role** of the members whose time in the household
overlapped theirs (people they lived with); of a member who joined after the person left, or had left
before they came, only the role (counted as withheld). Never another member's birth date, NIR, address
or contact points.
"""

from __future__ import annotations

from collections import defaultdict

from .audit.models import AccessLog
from .models import Address, Citizen, ContactPoint, HouseholdMembership
from .person_data_registry import CITIZEN, DPO_ARCHIVE, PersonDataSection, iso


def _identity(scope):
    citizen = scope.citizen
    if citizen is None:
        return None
    return {
        "numero": citizen.pk,
        "nom_de_naissance": citizen.birth_name,
        "nom_d_usage": citizen.usage_name,
        "prenoms": citizen.first_names,
        "date_de_naissance": iso(citizen.birth_date),
        "lieu_de_naissance": citizen.birth_place,
        "pays_de_naissance": citizen.birth_country,
        "sexe": citizen.get_sex_display(),
        "nir": citizen.nir,
        "niveau_de_garantie": citizen.get_assurance_level_display(),
        "cree_le": iso(citizen.created_at),
    }


def _merged(scope):
    return [
        {
            "numero": c.pk,
            "nom_de_naissance": c.birth_name,
            "nom_d_usage": c.usage_name,
            "prenoms": c.first_names,
            "date_de_naissance": iso(c.birth_date),
        }
        for c in Citizen.objects.filter(pk__in=scope.ids[1:]).order_by("pk")
    ]


def _addresses(scope):
    return [
        {
            "adresse": a.line1,
            "complement": a.line2,
            "code_postal": a.postcode,
            "commune": a.city,
            "pays": a.country,
            "depuis": iso(a.start_date),
            "jusqu_au": iso(a.end_date),
        }
        for a in Address.objects.filter(citizen_id__in=scope.ids).order_by("-start_date", "-pk")
    ]


def _contacts(scope):
    return [
        {"type": c.get_kind_display(), "valeur": c.value, "principal": c.is_primary}
        for c in ContactPoint.objects.filter(citizen_id__in=scope.ids).order_by("pk")
    ]


def _overlap(a, b) -> bool:
    """Whether two memberships' periods meet (an open date is open-ended)."""
    return (a.start_date is None or b.end_date is None or a.start_date <= b.end_date) and (
        b.start_date is None or a.end_date is None or b.start_date <= a.end_date
    )


def _households(scope):
    memberships = list(
        HouseholdMembership.objects.filter(citizen_id__in=scope.ids).select_related("household").order_by("pk")
    )
    others = defaultdict(list)
    for other in (
        HouseholdMembership.objects.filter(household_id__in=[m.household_id for m in memberships])
        .exclude(citizen_id__in=scope.ids)
        .select_related("citizen")
        .order_by("household_id", "role", "pk")
    ):
        others[other.household_id].append(other)
    households = []
    for mine in memberships:
        members = []
        for other in others[mine.household_id]:
            known = _overlap(mine, other)
            if not known:
                scope.withheld["membres_de_foyer"] += 1
            members.append({"nom": other.citizen.display_name if known else None, "role": other.get_role_display()})
        households.append(
            {
                "foyer": str(mine.household),
                "votre_role": mine.get_role_display(),
                "depuis": iso(mine.start_date),
                "jusqu_au": iso(mine.end_date),
                "autres_membres": members,
            }
        )
    return households


def _accesses(scope):
    logs = list(AccessLog.objects.filter(citizen_id__in=scope.ids).order_by("at", "seq"))
    scope.staff.load(log.actor_id for log in logs)
    return [
        {
            "date": iso(log.at),
            "action": log.get_action_display(),
            "par": scope.staff.describe(log.actor_id, log.at),
            "finalite": log.purpose,
        }
        for log in logs
    ]


BOTH = frozenset({CITIZEN, DPO_ARCHIVE})
ARCHIVE = frozenset({DPO_ARCHIVE})
SECTIONS = (
    PersonDataSection(key="identite", order=10, build=_identity, audiences=BOTH),
    PersonDataSection(key="fiches_fusionnees", order=20, build=_merged, audiences=ARCHIVE),
    PersonDataSection(key="adresses", order=30, build=_addresses, audiences=BOTH),
    PersonDataSection(key="moyens_de_contact", order=40, build=_contacts, audiences=BOTH),
    PersonDataSection(key="foyers", order=50, build=_households, audiences=BOTH),
    PersonDataSection(key="acces_a_vos_donnees", order=100, build=_accesses, audiences=ARCHIVE),
)
