"""Households as the back office edits them (selectors taking the user; rules in ``grc.perms``).

Reads of the citizen go through ``grc.selectors.citizens.citizen_get`` (one access-log row); these add the
household pieces an edit needs, only for an agent who may edit the citizen (``can_edit_citizen``), else 404.
"""

from __future__ import annotations

from django.http import Http404

from grc import perms
from grc.models import Citizen, Household, HouseholdMembership


def households_for_edit(*, user, citizen: Citizen) -> list[Household]:
    """The households ``citizen`` currently belongs to, each with its current members (``current_members``)
    in role order; 404 unless ``user`` may edit ``citizen``."""
    if not perms.can_edit_citizen(user, citizen):
        raise Http404
    households = list(
        Household.objects.filter(memberships__citizen=citizen, memberships__end_date__isnull=True)
        .distinct()
        .order_by("pk")
    )
    members = (
        HouseholdMembership.objects.filter(household__in=households, end_date__isnull=True)
        .select_related("citizen")
        .order_by("household_id", "role", "pk")
    )
    by_household: dict[int, list] = {h.pk: [] for h in households}
    for member in members:
        by_household[member.household_id].append(member)
    for household in households:
        household.current_members = by_household[household.pk]
    return households


def household_for_edit(*, user, citizen: Citizen, pk: int) -> Household:
    """One of ``citizen``'s current households, for an agent who may edit ``citizen``; else 404."""
    household = next((h for h in households_for_edit(user=user, citizen=citizen) if h.pk == pk), None)
    if household is None:
        raise Http404
    return household


def household_membership_for_edit(*, user, citizen: Citizen, pk: int) -> HouseholdMembership:
    """A current membership of one of ``citizen``'s current households (``citizen``'s own or another
    member's), for an agent who may edit ``citizen`` and the member; else 404."""
    for household in households_for_edit(user=user, citizen=citizen):
        for member in household.current_members:
            if member.pk == pk:
                if not perms.can_edit_citizen(user, member.citizen):
                    raise Http404
                return member
    raise Http404
