"""The figures of "Ma journée" (selectors): what waits for one agent today, in a few grouped queries.

Each function takes the user and counts only what the user's rules let them open (the same
``perms`` as the lists the counts link to); the one list of rows (my requests waiting) shows codes
and procedures, no names, and is logged like a queue page.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Case, Count, Exists, OuterRef, Q, Value, When
from django.utils import timezone

from demandes import perms as request_perms
from demandes.models import Request, RequestMessage
from dossier_unique import perms as file_perms
from dossier_unique.models import EmergencyAccess
from grc.audit.models import AccessLog
from grc.audit.services import access_log_write
from grc.models import Team
from grc.perms import current_team_ids, is_agent
from mail.models import MailItem
from rendezvous.models import Rendezvous

WAITING = (Request.Status.SUBMITTED, Request.Status.IN_REVIEW)
MY_REQUESTS_SHOWN = 10


@dataclass
class TeamRequests:
    team: Team
    mine: int = 0
    mine_unread: int = 0
    unassigned: int = 0


@dataclass
class RequestsWaiting:
    teams: list[TeamRequests] = field(default_factory=list)
    rows: list[Request] = field(default_factory=list)
    total_mine: int = 0


def requests_waiting(*, user, http_request=None) -> RequestsWaiting:
    """Per team whose queue ``user`` works: open requests assigned to them and waiting for their action
    (submitted, in review), how many of those have an unread citizen message, how many nobody has taken;
    and the first of ``user``'s own, overdue first, each marked ``unread``. Three queries; one
    ``REQUEST_QUEUE`` access-log row when rows are shown."""
    result = RequestsWaiting()
    if not is_agent(user):
        return result
    unread = Exists(RequestMessage.objects.filter(request=OuterRef("pk"), from_citizen=True, read_at__isnull=True))
    team_ids = request_perms.request_team_ids(user)
    mine = Q(assigned_to=user, status__in=WAITING)
    per_team = (
        Request.objects.filter(team_id__in=team_ids, status__in=Request.OPEN_STATUSES)
        .values("team_id")
        .annotate(mine=Count("pk", filter=mine), unassigned=Count("pk", filter=Q(assigned_to__isnull=True)))
        .order_by()
    )
    # The unread-message test only on the agent's own requests, not on the whole queue.
    unread_mine = dict(
        Request.objects.filter(mine, team_id__in=team_ids)
        .filter(unread)
        .values("team_id")
        .annotate(n=Count("pk"))
        .values_list("team_id", "n")
        .order_by()
    )
    counts = {row["team_id"]: row for row in per_team}
    for team in Team.objects.filter(pk__in=team_ids, is_active=True).order_by("name"):
        row = counts.get(team.pk, {})
        result.teams.append(
            TeamRequests(team, row.get("mine", 0), unread_mine.get(team.pk, 0), row.get("unassigned", 0))
        )
    result.total_mine = sum(t.mine for t in result.teams)
    if result.total_mine:
        today = timezone.localdate()
        result.rows = list(
            Request.objects.filter(mine, team_id__in=team_ids)
            .annotate(unread=unread)
            .only("tracking_code", "procedure_title", "status", "due_date", "team_id")
            .annotate(late=Case(When(due_date__lt=today, then=Value(0)), default=Value(1)))
            .order_by("late", "-unread", "due_date", "submitted_at", "pk")[:MY_REQUESTS_SHOWN]
        )
        access_log_write(
            actor=user,
            action=AccessLog.Action.REQUEST_QUEUE,
            object_type="grc.team",
            purpose="ma journée : mes demandes",
            request=http_request,
        )
    return result


@dataclass
class TeamLetters:
    team: Team
    routed: int = 0
    mine: int = 0
    unassigned: int = 0
    overdue: int = 0


def letters_waiting(*, user) -> list[TeamLetters]:
    """Per current team of ``user`` (``mail.perms.can_work_team_queue``): routed letters not handled yet,
    those assigned to ``user``, to nobody, and overdue. Two queries."""
    if not is_agent(user):
        return []
    teams = list(Team.objects.filter(pk__in=list(current_team_ids(user)), is_active=True).order_by("name"))
    if not teams:
        return []
    today = timezone.localdate()
    rows = (
        MailItem.objects.filter(team__in=teams, status=MailItem.Status.ROUTED)
        .values("team_id")
        .annotate(
            routed=Count("pk"),
            mine=Count("pk", filter=Q(assigned_to=user)),
            unassigned=Count("pk", filter=Q(assigned_to__isnull=True)),
            overdue=Count("pk", filter=Q(due_date__lt=today)),
        )
        .order_by()
    )
    by_team = {row.pop("team_id"): row for row in rows}
    return [TeamLetters(team, **by_team[team.pk]) for team in teams if team.pk in by_team]


def appointments_today(*, user, day: datetime.date | None = None) -> int:
    """Active appointments of ``user`` (as the receiving agent) starting today. One query."""
    if not is_agent(user):
        return 0
    day = day or timezone.localdate()
    begin = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    end = begin + datetime.timedelta(days=1)
    return Rendezvous.objects.filter(
        agent=user, status=Rendezvous.Status.ACTIVE, starts_at__gte=begin, starts_at__lt=end
    ).count()


def emergency_accesses_waiting(*, user) -> int | None:
    """Emergency accesses nobody reviewed yet, for who reviews them (``dossier_unique.perms``); else None."""
    if not file_perms.can_review_emergency_accesses(user):
        return None
    return EmergencyAccess.objects.filter(dpo_reviewed_at__isnull=True).count()
