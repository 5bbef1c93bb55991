"""Permission rules of tasks and notifications. Shared by the back office, the API and the digest.

- **See a task, mark it done or reopen it**: an active agent who is its assignee, or who holds a
  current membership (any role) in its team, or who created it. Nobody else: another team's member
  gets a 404 — a task's title and subject are work information about a person.
- **Create a task**: an agent who may see its subject (the social file through ``dossier_unique.perms``,
  the request through ``demandes.perms``, the letter through ``mail.perms``); it goes to the agent
  themselves, to a current colleague of one of their teams, or to one of their teams or the subject's
  handling team.
- **Notifications**: each agent sees their own only.
- **Hand over an absent colleague's work**: a current team manager of a team the colleague belongs to.
"""

from __future__ import annotations

from django.db.models import Q

from demandes import perms as request_perms
from dossier_unique import perms as file_perms
from grc.models import Membership
from grc.perms import current_team_ids, is_agent, membership_current_q
from mail import perms as mail_perms

from .models import Task


def visible_tasks_q(user) -> Q:
    """The tasks ``user`` may see, as a filter on ``Task`` (rules above)."""
    if not is_agent(user):
        return Q(pk__in=[])
    return Q(assignee=user) | Q(team_id__in=current_team_ids(user)) | Q(created_by=user)


def can_view_task(user, task: Task) -> bool:
    """See, complete or reopen one task (rules above)."""
    if not is_agent(user):
        return False
    return user.pk in (task.assignee_id, task.created_by_id) or task.team_id in current_team_ids(user)


def can_see_subject(user, *, file=None, request=None, mail_item=None) -> bool:
    """``user`` may see the thing a task would be about (none: a task about nothing in particular)."""
    if file is not None:
        return file_perms.can_view_file(user, file)
    if request is not None:
        return request_perms.can_work_request(user, request)
    if mail_item is not None:
        return mail_perms.can_view_mail(user, mail_item)
    return True


def assignable_team_ids(user, *, request=None, mail_item=None) -> set[int]:
    """Teams ``user`` may give a task to: their current teams and the subject's handling team."""
    ids = set(current_team_ids(user))
    for subject in (request, mail_item):
        if subject is not None and subject.team_id is not None:
            ids.add(subject.team_id)
    return ids


def can_assign_to(user, assignee) -> bool:
    """``assignee`` is ``user`` or an active agent currently in one of ``user``'s teams."""
    if assignee.pk == user.pk:
        return True
    if not is_agent(assignee):
        return False
    return Membership.objects.filter(
        membership_current_q(), user=assignee, team_id__in=list(current_team_ids(user))
    ).exists()


def is_manager_of(user, colleague) -> bool:
    """``user`` currently manages (team manager) a team in which ``colleague`` holds a current membership."""
    if not is_agent(user) or colleague.pk == user.pk:
        return False
    managed = Membership.objects.filter(membership_current_q(roles=[Membership.Role.TEAM_MANAGER]), user=user).values(
        "team_id"
    )
    return Membership.objects.filter(membership_current_q(), user=colleague, team_id__in=managed).exists()


def managed_colleagues_q(user) -> Q:
    """The agents ``user`` may hand work over from (rule of ``is_manager_of``), as a filter on ``User``."""
    if not is_agent(user):
        return Q(pk__in=[])
    managed = Membership.objects.filter(membership_current_q(roles=[Membership.Role.TEAM_MANAGER]), user=user).values(
        "team_id"
    )
    in_team = Membership.objects.filter(membership_current_q(), team_id__in=managed).values("user_id")
    return Q(pk__in=in_team, is_staff=True) & ~Q(pk=user.pk)
