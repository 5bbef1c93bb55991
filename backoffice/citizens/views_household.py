"""A citizen's household (foyer) edited in the back office: its current members and their roles, add a member
found through the citizen search, change a role, take a member out, or create a household around the citizen.

Reads through ``grc.selectors.citizens`` (access-logged) and ``grc.selectors.households``; writes one
``grc.services.households`` call per POST (history kept). Only an agent who may edit the citizen's reference
data (``grc.perms.can_edit_citizen``) gets the page; others, and any household or member not the citizen's,
get a 404. A refused change re-renders the page with a French message (status 422), nothing saved.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backoffice.citizens.forms import CitizenSearchForm
from grc.models import HouseholdMembership
from grc.selectors.citizens import citizen_get, citizens_search
from grc.selectors.households import household_for_edit, household_membership_for_edit, households_for_edit
from grc.services import households as household_services

PURPOSE = "foyer : modification"


def _id(value) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 12 else None


def _page(request, citizen, *, error: str = "", status: int = 200):
    households = households_for_edit(user=request.user, citizen=citizen)
    form = CitizenSearchForm(request.GET if "q" in request.GET else None)
    hits = None
    if form.is_bound and form.is_valid() and form.has_criteria():
        hits = [
            hit
            for hit in citizens_search(
                user=request.user,
                query=form.cleaned_data["q"].strip(),
                birth_date=form.cleaned_data["birth_date"],
                request=request,
            )  # fmt: skip
            if hit.citizen.pk != citizen.pk
        ]
    context = {"citizen": citizen, "households": households, "form": form, "hits": hits, "error": error,
               "roles": HouseholdMembership.Role.choices}  # fmt: skip
    return render(request, "backoffice/citizens/household_edit.html", context, status=status)


def household_edit(request, pk):
    """The citizen's current households with their members, and the search to add one."""
    citizen = citizen_get(user=request.user, pk=pk, request=request, purpose=PURPOSE)
    return _page(request, citizen)


@require_POST
def household_change(request, pk):
    """One change (``action``: ``create``, ``add``, ``role``, ``remove``), then back to the page."""
    user = request.user
    citizen = citizen_get(user=user, pk=pk, request=request, purpose=PURPOSE)
    households_for_edit(user=user, citizen=citizen)  # 404 unless the agent may edit this citizen
    action, role = request.POST.get("action", ""), request.POST.get("role", "")[:20]
    try:
        if action == "create":
            household_services.household_create(citizen=citizen, role=role, actor=user)
            done = _("Foyer créé.")
        elif action == "add":
            household = household_for_edit(user=user, citizen=citizen, pk=_id(request.POST.get("household")))
            member = citizen_get(user=user, pk=_id(request.POST.get("member")), request=request, purpose=PURPOSE)
            households_for_edit(user=user, citizen=member)  # the member's reference data too
            household_services.household_member_add(household=household, citizen=member, role=role, actor=user)
            done = _("Membre ajouté au foyer.")
        elif action in ("role", "remove"):
            membership = household_membership_for_edit(
                user=user, citizen=citizen, pk=_id(request.POST.get("membership"))
            )
            if action == "role":
                household_services.household_member_role_change(membership=membership, role=role, actor=user)
                done = _("Rôle modifié.")
            else:
                household_services.household_member_remove(membership=membership, actor=user)
                done = _("Membre retiré du foyer (son passage reste dans l'historique).")
        else:
            return _page(request, citizen, error=_("Action inconnue."), status=422)
    except ValidationError as error:
        return _page(request, citizen, error=" ".join(error.messages), status=422)
    messages.success(request, done)
    return redirect("backoffice:citizen_household", pk=citizen.pk)
