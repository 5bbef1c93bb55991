"""Who may do what with appointments in the back office: agendas, appointment pages, outcomes, absences,
booking for a citizen and invitations. Shared by the back-office views, the navigation and the selectors.

The general rules (who sees an appointment, who books) are ``rendezvous.perms``; this module adds the agents'
screens on top of them. Each function states its rules in its docstring; callers never re-implement them.

On an agenda, anyone who may open it sees *when* an agent is busy; the motif and the people only show to
whoever may see the appointment (``rendezvous.perms.can_view_rendezvous``: its agent and the current members
of the motif's team). Everyone else reads "Occupé".
"""

from __future__ import annotations

from grc.models import Membership
from grc.perms import current_memberships, membership_current_q

from .perms import agenda_team_ids, can_book_for_team, can_view_rendezvous


def can_use_agendas(user) -> bool:
    """Open the appointments area of the back office (agendas, booking, absences, invitations).

    Rules: an active staff account with a current membership in one of ``rendezvous.perms.AGENDA_ROLES``
    (social worker, instructor, team manager, functional admin). Mailroom agents and the DPO do not; no
    superuser bypass.
    """
    return bool(agenda_team_ids(user))


def can_view_agent_agenda(user, agent) -> bool:
    """Open one agent's agenda (week or day).

    Rules: ``can_use_agendas``, and the agent is the user or shares a current team (any role) with them.
    What shows of each appointment then follows ``can_view_rendezvous``.
    """
    if not can_use_agendas(user) or agent is None:
        return False
    if agent.pk == user.pk:
        return True
    mine = {team_id for team_id, _role in current_memberships(user)}
    return Membership.objects.filter(membership_current_q(), user=agent, team_id__in=mine).exists()


def can_view_lieu_agenda(user, lieu) -> bool:
    """Open the agenda of one lieu (who receives there, when).

    Rules: ``can_use_agendas``. A lieu's planning is the organisation's, not personal data; what shows of each
    appointment follows ``can_view_rendezvous``.
    """
    return can_use_agendas(user) and lieu is not None


def can_record_outcome(user, rendezvous) -> bool:
    """Record participants' statuses (vu, absent, excusé), what was done, attendance of a group session.

    Rules: ``rendezvous.perms.can_view_rendezvous`` by an agent (``can_use_agendas``).
    """
    return can_use_agendas(user) and can_view_rendezvous(user, rendezvous)


def can_book_for_motif(user, motif) -> bool:
    """Book an appointment for a citizen, or send them an invitation link, for ``motif``.

    Rules: the motif is active and ``rendezvous.perms.can_book_for_team`` (a current agenda role in the motif's
    team); whoever may book online, an agent of the team may always book.
    """
    return motif is not None and motif.is_active and can_book_for_team(user, motif.team_id)


def can_cancel_rendezvous(user, rendezvous) -> bool:
    """Cancel an appointment from the back office (the motif's cancellation delay binds citizens, not agents).

    Rules: ``rendezvous.perms.can_view_rendezvous`` by an agent.
    """
    return can_use_agendas(user) and can_view_rendezvous(user, rendezvous)


def can_manage_absences(user, agent) -> bool:
    """Add, remove or import (ICS) the absences of ``agent``.

    Rules: the agent themselves if they may use agendas, or a current team manager of a team the agent
    currently belongs to.
    """
    if not can_use_agendas(user) or agent is None:
        return False
    if agent.pk == user.pk:
        return True
    managed = {team_id for team_id, role in current_memberships(user) if role == Membership.Role.TEAM_MANAGER}
    agent_in_managed_team = Membership.objects.filter(membership_current_q(), user=agent, team_id__in=managed)
    return bool(managed) and agent_in_managed_team.exists()


def can_view_invitation(user, invitation) -> bool:
    """See an invitation (the citizen it was sent to, whether it was used, its follow-up).

    Rules: the agent who sent it, or a current member (agenda role) of the motif's team.
    """
    if not can_use_agendas(user) or invitation is None:
        return False
    return invitation.created_by_id == user.pk or invitation.motif.team_id in agenda_team_ids(user)


def can_move_rendezvous(user, rendezvous) -> bool:
    """Move an appointment to another free slot of its motif (same or another agent and lieu) from the back office.

    Rules: ``rendezvous.perms.can_view_rendezvous`` by an agent who may book the motif (a current agenda role
    in its team: the new slot may be a colleague's), and an active individual appointment (a group session is not
    moved: its participants cancel and book another one).
    """
    return (
        can_use_agendas(user)
        and can_view_rendezvous(user, rendezvous)
        and can_book_for_motif(user, rendezvous.motif)
        and rendezvous.status == rendezvous.Status.ACTIVE
        and not rendezvous.is_group
    )


def can_manage_webhooks(user) -> bool:
    """Declare, inspect (deliveries) and disable the webhook receivers of appointment events.

    Rules: an active staff account with a current *functional admin* membership (any team): a receiver may follow
    every team, and its secret lets a system outside the Département trust what it receives. No superuser bypass.
    """
    return any(role == Membership.Role.FUNCTIONAL_ADMIN for _team, role in current_memberships(user)) and bool(
        agenda_team_ids(user)
    )


def can_manage_calendar_token(user, agent) -> bool:
    """Create or revoke the private webcal feed of ``agent`` (the secret URL of their appointments).

    Rules: the agent themselves, if they may use agendas. Nobody else: the URL is shown once, to whoever made it.
    """
    return can_use_agendas(user) and agent is not None and agent.pk == user.pk
