"""Reads of tasks and notifications, and the figures of "Ma journée". Every selector takes the user.

Task lists show the agents' own titles and the subject's code (tracking code, registration number,
file number), never a citizen's name, and only to who may see the task (``perms``).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from demandes import perms as request_perms
from grc.models import Team, User
from grc.perms import current_team_ids, is_agent

from . import perms
from .models import BulkJob, Notification, NotificationOptOut, Task

TASK_SCOPES = ("moi", "equipe", "faites")
TASK_DUES = ("en_retard", "aujourdhui", "")


def tasks_for(*, user, scope: str = "moi", due: str = "") -> QuerySet[Task]:
    """The tasks ``user`` may see (``perms.visible_tasks_q``), narrowed by ``scope``:

    ``moi`` open tasks given to the user, ``equipe`` open tasks given to one of their teams (to no one
    in particular), ``faites`` done tasks of either, latest first. ``due``: ``en_retard`` (due before
    today) or ``aujourdhui`` (due today or before). Open tasks come by due date (none last).
    """
    if not is_agent(user):
        return Task.objects.none()
    qs = Task.objects.filter(perms.visible_tasks_q(user)).select_related("request", "mail_item", "team", "assignee")
    if scope == "faites":
        return (
            qs.filter(done_at__isnull=False)
            .filter(Q(assignee=user) | Q(team_id__in=current_team_ids(user)))
            .order_by("-done_at", "-pk")
        )
    qs = qs.filter(done_at__isnull=True)
    if scope == "equipe":
        qs = qs.filter(assignee__isnull=True, team_id__in=current_team_ids(user))
    else:
        qs = qs.filter(assignee=user)
    today = timezone.localdate()
    if due == "en_retard":
        qs = qs.filter(due_date__lt=today)
    elif due == "aujourdhui":
        qs = qs.filter(due_date__lte=today)
    return qs.order_by("due_date", "pk")


def tasks_about(*, user, request=None, mail_item=None) -> list[Task]:
    """The open tasks about one request or letter that ``user`` may see (``perms.visible_tasks_q``), by due
    date; the caller has read the subject through its own selector."""
    if not is_agent(user) or (request is None) == (mail_item is None):
        return []
    subject = {"request": request} if request is not None else {"mail_item": mail_item}
    return list(
        Task.objects.filter(perms.visible_tasks_q(user), done_at__isnull=True, **subject)
        .select_related("assignee", "team")
        .order_by("due_date", "pk")
    )


def task_get(*, user, pk: int) -> Task:
    """One task ``user`` may see, else ``Http404``."""
    task = (
        Task.objects.filter(perms.visible_tasks_q(user), pk=pk).select_related("request", "mail_item", "team").first()
    )
    if task is None:
        raise Http404
    return task


def task_counts(*, user) -> dict[str, int]:
    """Open tasks of ``user`` (``mine``, ``overdue``, ``due_today`` = due today or before) and of their teams
    for no one in particular (``team``): one query."""
    if not is_agent(user):
        return {"mine": 0, "overdue": 0, "due_today": 0, "team": 0}
    today = timezone.localdate()
    teams = list(current_team_ids(user))
    mine = Q(assignee=user)
    team = Q(assignee__isnull=True, team_id__in=teams)
    return Task.objects.filter(mine | team, done_at__isnull=True).aggregate(
        mine=Count("pk", filter=mine),
        overdue=Count("pk", filter=mine & Q(due_date__lt=today)),
        due_today=Count("pk", filter=mine & Q(due_date__lte=today)),
        team=Count("pk", filter=team),
    )


def notifications_for(*, user, unread: bool = False) -> QuerySet[Notification]:
    """``user``'s own notifications, newest first (``unread``: not read yet)."""
    qs = Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")
    return qs.filter(read_at__isnull=True) if unread else qs


def unread_notification_count(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def opted_out_kinds(*, user) -> set[str]:
    """The kinds ``user`` gets no e-mail digest for."""
    return set(NotificationOptOut.objects.filter(user=user).values_list("kind", flat=True))


def digest_recipients(*, since: datetime.datetime | None = None) -> list[int]:
    """Ids of the agents who have notifications not e-mailed yet (the digest's work list)."""
    qs = Notification.objects.filter(emailed_at__isnull=True, read_at__isnull=True)
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    return list(qs.values_list("recipient_id", flat=True).distinct().order_by("recipient_id"))


def assignment_targets(*, user, assignee_id: int | None, team_id: int | None) -> tuple[User | None, Team | None]:
    """The agent and/or team a new task goes to, by id (the caller themselves when neither is given).

    Only looks them up: whether ``user`` may give them a task is the service's rule. An unknown id is a
    French ``ValidationError`` (the same answer for an id that exists elsewhere: nothing is revealed).
    """
    if assignee_id is None and team_id is None:
        return user, None
    assignee = team = None
    if assignee_id is not None:
        assignee = User.objects.filter(pk=assignee_id, is_active=True, is_staff=True).first()
        if assignee is None:
            raise ValidationError({"assignee_id": [_("Agent inconnu.")]}, code="assignee")
    if team_id is not None:
        team = Team.objects.filter(pk=team_id, is_active=True).first()
        if team is None:
            raise ValidationError({"team_id": [_("Équipe inconnue.")]}, code="team")
    return assignee, team


def colleagues_for(*, user) -> QuerySet[User]:
    """Agents ``user`` may give a task to: themselves and the current members of their teams."""
    teams = list(current_team_ids(user))
    return (
        User.objects.filter(Q(pk=user.pk) | Q(memberships__team_id__in=teams), is_active=True, is_staff=True)
        .distinct()
        .order_by("last_name", "first_name", "pk")
    )


def teams_for(*, user) -> list[Team]:
    """The teams ``user`` may give a task to (their current teams)."""
    return list(Team.objects.filter(pk__in=list(current_team_ids(user)), is_active=True).order_by("name"))


def managed_colleagues(*, user) -> QuerySet[User]:
    """The agents whose work ``user`` may hand over (``perms.managed_colleagues_q``: their team's members)."""
    return User.objects.filter(perms.managed_colleagues_q(user), is_active=True).order_by(
        "last_name", "first_name", "pk"
    )


def managed_colleague_get(*, user, pk) -> User:
    """One of ``managed_colleagues``, else ``Http404``."""
    colleague = managed_colleagues(user=user).filter(pk=pk).first()
    if colleague is None:
        raise Http404
    return colleague


def bulk_job_get(*, user, pk: int) -> BulkJob:
    """A bulk action of a team ``user`` works (or that they ran), else ``Http404``."""
    job = BulkJob.objects.select_related("team", "actor", "assignee").filter(pk=pk).first()
    if job is None or not (job.actor_id == user.pk or request_perms.is_team_member(user, job.team_id)):
        raise Http404
    return job
