"""Households (foyers) edited in the back office: create one around a citizen, add a member, change a member's
role, take a member out. Every write keeps its history (``simple_history`` on ``Household`` and
``HouseholdMembership``, with the actor and a reason).

Taking a member out ends the membership (``end_date``, today by default) instead of deleting it: the
household's past composition stays readable. Callers check who may act (``grc.perms.can_edit_citizen`` on
the citizens concerned); errors are ``ValidationError`` with French messages keyed by field.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grc.history import save_tracked
from grc.models import Citizen, Household, HouseholdMembership

ROLES = HouseholdMembership.Role


def _check_role(role: str) -> None:
    if role not in ROLES.values:
        raise ValidationError({"role": [_("Choisissez un rôle dans la liste.")]}, code="role")


def _current(household: Household):
    return household.memberships.filter(end_date__isnull=True)


@transaction.atomic
def household_create(*, citizen: Citizen, role: str, actor, label: str = "") -> HouseholdMembership:
    """A new household with ``citizen`` as its first member (``role``)."""
    _check_role(role)
    if citizen.is_merged:
        raise ValidationError(_("Cette fiche a été fusionnée : modifiez la fiche conservée."), code="merged")
    household = save_tracked(Household(label=(label or "").strip()[:255]), actor, "création du foyer")
    membership = HouseholdMembership(household=household, citizen=citizen, role=role, start_date=timezone.localdate())
    return save_tracked(membership, actor, "création du foyer")


@transaction.atomic
def household_member_add(
    *, household: Household, citizen: Citizen, role: str, actor, start_date: datetime.date | None = None
) -> HouseholdMembership:
    """Add ``citizen`` to ``household`` with ``role`` from ``start_date`` (today by default).

    Refused when the citizen is already a current member of it, or is a merged record.
    """
    _check_role(role)
    if citizen.is_merged:
        raise ValidationError({"citizen": [_("Cette fiche a été fusionnée : ajoutez la fiche conservée.")]})
    Household.objects.select_for_update().filter(pk=household.pk).first()  # two agents adding at once
    if _current(household).filter(citizen=citizen).exists():
        raise ValidationError({"citizen": [_("Cette personne fait déjà partie de ce foyer.")]}, code="duplicate")
    membership = HouseholdMembership(
        household=household, citizen=citizen, role=role, start_date=start_date or timezone.localdate()
    )
    return save_tracked(membership, actor, "ajout au foyer")


@transaction.atomic
def household_member_role_change(*, membership: HouseholdMembership, role: str, actor) -> HouseholdMembership:
    """Change a current member's role (the history keeps the previous one)."""
    _check_role(role)
    locked = HouseholdMembership.objects.select_for_update().get(pk=membership.pk)
    if locked.end_date is not None:
        raise ValidationError(_("Cette personne ne fait plus partie du foyer."), code="ended")
    if locked.role != role:
        locked.role = role
        save_tracked(locked, actor, "changement de rôle")
    membership.role = locked.role
    return membership


@transaction.atomic
def household_member_remove(
    *, membership: HouseholdMembership, actor, end_date: datetime.date | None = None
) -> HouseholdMembership:
    """Take a member out of the household: the membership ends on ``end_date`` (today by default), kept in
    the household's past composition and its history."""
    locked = HouseholdMembership.objects.select_for_update().get(pk=membership.pk)
    if locked.end_date is not None:
        raise ValidationError(_("Cette personne ne fait plus partie du foyer."), code="ended")
    end_date = end_date or timezone.localdate()
    if locked.start_date and end_date < locked.start_date:
        raise ValidationError({"end_date": [_("La date de fin précède l'arrivée dans le foyer.")]}, code="dates")
    locked.end_date = end_date
    save_tracked(locked, actor, "retrait du foyer")
    membership.end_date = end_date
    return membership
