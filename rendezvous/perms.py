"""Permission rules of appointments. Shared by the portal, the back office, the API and the timeline.

Who sees an appointment:

- **the citizen**: the portal account linked to a participant (``Citizen.user``), for their own
  participation only (never the other participants of a group session);
- **the agent** holding the appointment (``Rendezvous.agent``), while their staff account is active;
- **the motif's team**: staff with a *current* membership in the motif's team (any role but mailroom
  agent and DPO, who read the access log, not agendas).

Nobody else: a motif marked *masqué* (sensitive: ASE, PMI…) is never shown outside that team, and a
normal one neither — an agent of another team sees the slot as busy in an agenda, not who or why.

Who books:

- **a citizen online** for motifs ``bookable_by`` citizens (``Motif.citizens_may_book``), for themselves;
- **a partner** through the API for motifs ``bookable_by`` partners (checked by the API token's scope);
- **an agent** for any active motif of a team they belong to (rule ``can_book_for_team``).

A rendez-vous the user may not see is a 404 (``selectors``), never a hint that it exists.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from demandes.perms import is_citizen_account
from grc.models import Membership
from grc.perms import current_memberships, is_agent, membership_current_q

from .models import Motif, Rendezvous

__all__ = [
    "AGENDA_ROLES",
    "agenda_team_ids",
    "can_book_for_team",
    "can_view_rendezvous",
    "citizen_may_book",
    "is_agent",
    "is_citizen_account",
    "visible_rendezvous_q",
]

# Roles that work with people's appointments (mailroom agents and the DPO do not).
AGENDA_ROLES = (
    Membership.Role.SOCIAL_WORKER,
    Membership.Role.INSTRUCTOR,
    Membership.Role.TEAM_MANAGER,
    Membership.Role.FUNCTIONAL_ADMIN,
)


def agenda_team_ids(user) -> set[int]:
    """Teams whose appointments ``user`` works today (a current membership in one of ``AGENDA_ROLES``)."""
    if not is_agent(user):
        return set()
    return {team_id for team_id, role in current_memberships(user) if role in AGENDA_ROLES}


def can_book_for_team(user, team_id) -> bool:
    """An agent books for a citizen the motifs of a team they currently belong to (``AGENDA_ROLES``)."""
    return team_id is not None and team_id in agenda_team_ids(user)


def citizen_may_book(user, motif: Motif) -> bool:
    """A citizen's portal account books online a motif open to citizens (active, ``bookable_by`` citizens)."""
    return is_citizen_account(user) and motif.citizens_may_book


def visible_rendezvous_q(user, prefix: str = "") -> Q:
    """The appointments ``user`` may see, as a filter on ``Rendezvous`` (rules in the module docstring).

    ``prefix`` reaches ``Rendezvous`` through a relation (``"rendezvous__"`` from ``Participant``).
    """
    if is_agent(user):
        member = Exists(
            Membership.objects.filter(
                membership_current_q(roles=AGENDA_ROLES), user=user, team_id=OuterRef(f"{prefix}motif__team_id")
            )
        )
        return Q(**{f"{prefix}agent": user}) | member
    if is_citizen_account(user):
        return Q(**{f"{prefix}participants__citizen__user": user})
    return Q(pk__in=[])


def can_view_rendezvous(user, rendezvous: Rendezvous) -> bool:
    """``user`` may see ``rendezvous`` (rules in the module docstring)."""
    if is_agent(user):
        return rendezvous.agent_id == user.pk or rendezvous.motif.team_id in agenda_team_ids(user)
    if is_citizen_account(user):
        return rendezvous.participants.filter(citizen__user=user).exists()
    return False


def citizen_may_cancel_reason(*, rendezvous: Rendezvous, now) -> str:
    """Why a citizen may not cancel or move ``rendezvous`` online now ("" when they may).

    Rules: the appointment is active and to come, and more than the motif's ``cancel_until_hours``
    away (the agents' side has no such limit).
    """
    if rendezvous.status != Rendezvous.Status.ACTIVE:
        return "cancelled"
    if rendezvous.starts_at <= now:
        return "past"
    if (rendezvous.starts_at - now).total_seconds() < rendezvous.motif.cancel_until_hours * 3600:
        return "too_late"
    return ""
