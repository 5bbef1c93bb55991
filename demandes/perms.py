"""Permission rules of requests (demandes). Shared by the back office, Mon espace, the API and search.

Who sees a request:

- **the citizen**: the portal account that filed it (``Request.account``, drafts included) and the
  portal account linked to its citizen (``Citizen.user``: requests opened for them by mail, phone
  or at a counter) — never staff accounts through this rule;
- **the structure's members**: every portal account member of the ``Request.organisation`` a request was
  filed for (``OrganisationMember``), once filed (a draft stays its author's);
- **the handling team**: staff holding a *current* membership (dated, read from ``grc.Membership``
  at query time) in the request's team as instructor, social worker or team manager;
- **the assigned agent** (``assigned_to``), while their staff account is active.

Nobody else: not other teams, not mailroom agents, the DPO or functional admins (they read the
access log and history, not the request), not superusers. A social worker who may see the
citizen's social file sees the *timeline entry* ("Demande déposée : <procedure>") there, but opens
the request itself only if their team handles it. Drafts are seen by their account only.

A request the user may not see is a 404 (``selectors``), never a hint that it exists.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from grc.models import Membership
from grc.perms import is_agent, membership_current_q

from .models import OrganisationMember, Request

REQUEST_ROLES = (Membership.Role.SOCIAL_WORKER, Membership.Role.INSTRUCTOR, Membership.Role.TEAM_MANAGER)


def is_citizen_account(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and not user.is_staff)


def _current_q(prefix: str = "") -> Q:
    return membership_current_q(prefix, roles=REQUEST_ROLES)


def request_team_ids(user):
    """A subquery of the teams whose requests ``user`` works (current instructor/social worker/manager)."""
    return Membership.objects.filter(_current_q(), user=user).values("team_id")


def is_team_member(user, team_id) -> bool:
    """``user`` currently works the requests of team ``team_id`` (rule above)."""
    if not is_agent(user) or team_id is None:
        return False
    return Membership.objects.filter(_current_q(), user=user, team_id=team_id).exists()


def visible_requests_q(user) -> Q:
    """The requests ``user`` may see, as a filter on ``Request`` (one SQL condition, rules above)."""
    if is_agent(user):
        member = Exists(Membership.objects.filter(_current_q(), user=user, team_id=OuterRef("team_id")))
        return (member & ~Q(status=Request.Status.DRAFT)) | (Q(assigned_to=user) & ~Q(status=Request.Status.DRAFT))
    if is_citizen_account(user):
        member = Exists(OrganisationMember.objects.filter(user=user, organisation_id=OuterRef("organisation_id")))
        filed = ~Q(status=Request.Status.DRAFT)
        return Q(account=user) | (Q(citizen__user=user) & filed) | (member & filed)
    return Q(pk__in=[])


def can_view_request(user, request: Request) -> bool:
    """See one request, its answers, attachments, history and messages (rules above)."""
    if is_agent(user):
        if request.status == Request.Status.DRAFT:
            return False
        return request.assigned_to_id == user.pk or is_team_member(user, request.team_id)
    if is_citizen_account(user):
        if request.account_id == user.pk:
            return True
        if request.status == Request.Status.DRAFT:
            return False
        citizen = getattr(user, "citizen", None)
        if citizen is not None and request.citizen_id == citizen.pk:
            return True
        return is_organisation_member(user, request.organisation_id)
    return False


def is_organisation_member(user, organisation_id, *, admin: bool = False) -> bool:
    """``user`` (a portal account) acts for structure ``organisation_id`` (as its administrator if ``admin``)."""
    if organisation_id is None or not is_citizen_account(user):
        return False
    roles = [OrganisationMember.Role.ADMIN] if admin else list(OrganisationMember.Role)
    return OrganisationMember.objects.filter(user=user, organisation_id=organisation_id, role__in=roles).exists()


def can_work_request(user, request: Request) -> bool:
    """Change a request's status, assign, forward, write to the citizen: same people as the staff
    side of ``can_view_request`` (the handling team and the assigned agent)."""
    return is_agent(user) and can_view_request(user, request)


def can_file_at_counter(user) -> bool:
    """File a request for a citizen at a counter (agent-assisted): a staff agent with a current
    instructor, social worker or team manager membership in any team."""
    return is_agent(user) and Membership.objects.filter(_current_q(), user=user).exists()
