"""Permission rules of the citizen reference. Shared by views, API and search.

Each function states its rules in its docstring; callers never re-implement them.
"""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from grc import nir as nir_rules
from grc.models import Membership, User

IDENTITY_READER_ROLES = {
    Membership.Role.SOCIAL_WORKER,
    Membership.Role.INSTRUCTOR,
    Membership.Role.MAILROOM_AGENT,
    Membership.Role.TEAM_MANAGER,
    Membership.Role.FUNCTIONAL_ADMIN,
    Membership.Role.DPO,
}
IDENTITY_EDITOR_ROLES = {
    Membership.Role.SOCIAL_WORKER,
    Membership.Role.INSTRUCTOR,
    Membership.Role.TEAM_MANAGER,
    Membership.Role.FUNCTIONAL_ADMIN,
}
MERGE_ROLES = {Membership.Role.TEAM_MANAGER, Membership.Role.FUNCTIONAL_ADMIN}


def membership_current_q(prefix: str = "", *, roles=None, on: datetime.date | None = None) -> Q:
    """Memberships open on ``on`` (default today), in one of ``roles`` if given.

    ``prefix`` reaches ``Membership`` through a relation (``"memberships__"`` from ``User``,
    ``"user__memberships__"`` from a permission row...). The one definition of "a current
    membership" every permission rule, queue and alert uses.
    """
    day = on or timezone.localdate()
    q = Q(**{f"{prefix}start_date__lte": day}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": day})
    )
    if roles is not None:
        q &= Q(**{f"{prefix}role__in": list(roles)})
    return q


def current_memberships(user) -> list[tuple[int, str]]:
    """(team id, role) of the user's open memberships today: one query per request, cached on the user."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cache_key = "_grc_current_memberships"
    if not hasattr(user, cache_key):
        rows = list(Membership.objects.filter(membership_current_q(), user=user).values_list("team_id", "role"))
        setattr(user, cache_key, rows)
    return getattr(user, cache_key)


def current_roles(user, *, on: datetime.date | None = None) -> set[str]:
    """Roles the user holds today through open team memberships (cached on the user object)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    if on is None:
        return {role for _team_id, role in current_memberships(user)}
    return set(Membership.objects.filter(membership_current_q(on=on), user=user).values_list("role", flat=True))


def current_team_ids(user) -> set[int]:
    """Teams the user belongs to today, in any role (cached with ``current_memberships``)."""
    return {team_id for team_id, _role in current_memberships(user)}


def is_dpo(user) -> bool:
    """The Data Protection Officer: the DPO console, the GDPR register, retention, emergency-access review.

    Rules: an active staff account holding a current DPO membership (``Membership.Role.DPO``).
    Nobody else — not a superuser without the role, not a team manager: these screens show
    every citizen's records and are reserved to the function the law designates (their pages 404).
    """
    return is_agent(user) and Membership.Role.DPO in current_roles(user)


def require_dpo(user) -> None:
    """``Http404`` unless ``is_dpo(user)``: the DPO's screens and reads (console, register, retention) do not
    tell anyone else they exist. The one gate for the access-log core, privacy and the DPO console."""
    if not is_dpo(user):
        raise Http404


def dpo_accounts():
    """Staff accounts holding a current DPO membership (owners of alerts and GDPR requests)."""
    return User.objects.filter(
        membership_current_q("memberships__", roles=[Membership.Role.DPO]), is_active=True, is_staff=True
    ).distinct()


def is_agent(user) -> bool:
    """A Département agent: an authenticated, active staff account (never a citizen's portal account).

    The first condition of every back-office rule here, in ``dossier_unique``, ``demandes`` and ``mail``;
    what the agent may then do depends on their current memberships.
    """
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_staff)


def can_search_citizens(user) -> bool:
    """Search the citizen reference and read identities.

    Rules: an active staff account with a current membership in any role (social worker,
    instructor, mailroom agent, team manager, functional admin, DPO), or a superuser.
    Citizens' portal accounts never. The identity is shared Département-wide; what is in a
    social file is governed by dossier_unique.perms, not here.
    """
    if not is_agent(user):
        return False
    return user.is_superuser or bool(current_roles(user) & IDENTITY_READER_ROLES)


def can_view_citizen(user, citizen) -> bool:
    """Read one citizen's identity, addresses, contacts and household.

    Rules: same as ``can_search_citizens``. A merged citizen remains readable (it is a redirect
    with history).
    """
    return can_search_citizens(user)


def can_edit_citizen(user, citizen) -> bool:
    """Create or change a citizen's identity, addresses and contacts.

    Rules: active staff who are social workers, instructors, team managers or functional
    admins (not mailroom agents, not the DPO), or superusers; never a merged record.
    """
    if not is_agent(user) or citizen is not None and citizen.is_merged:
        return False
    return user.is_superuser or bool(current_roles(user) & IDENTITY_EDITOR_ROLES)


def can_merge_citizens(user) -> bool:
    """Decide duplicate suspicions (merge, dismiss) and undo merges.

    Rules: team managers and functional admins (the identity mediation roles), or superusers.
    """
    if not is_agent(user):
        return False
    return user.is_superuser or bool(current_roles(user) & MERGE_ROLES)


def can_view_full_nir(user, citizen) -> bool:
    """See a citizen's whole NIR; whoever may read the identity without this sees its last 4 characters.

    Rules: the people who may edit the identity (``can_edit_citizen``: social workers, instructors,
    team managers, functional admins, superusers; never on a merged record). Mailroom agents, the
    DPO and service accounts holding only those roles see it masked. The back office, the API and
    every other output of the NIR go through ``visible_nir``, so they mask it for the same people.
    """
    return can_edit_citizen(user, citizen)


def visible_nir(user, citizen) -> str:
    """The citizen's NIR as ``user`` may see it: whole, or masked (``grc.nir.mask``) — see ``can_view_full_nir``."""
    return citizen.nir if can_view_full_nir(user, citizen) else nir_rules.mask(citizen.nir)


def can_manage_memberships(user) -> bool:
    """Create, change and end other people's team memberships (the Django admin's organisation pages).

    Rules: an active staff account that is a superuser or holds ``grc.change_membership``. What
    they may do to their OWN memberships is narrower: see ``grc.services.memberships``.
    """
    return is_agent(user) and (user.is_superuser or user.has_perm("grc.change_membership"))


def can_decide_membership_request(user, membership_request) -> bool:
    """Approve or refuse a pending membership request (an administrator asking for themselves).

    Rules: an administrator (``can_manage_memberships``) who is neither the person who asked nor the
    person the membership is for — nobody approves their own access.
    """
    return (
        can_manage_memberships(user)
        and membership_request.status == membership_request.Status.PENDING
        and user.pk not in (membership_request.requested_by_id, membership_request.user_id)
    )
