"""Queues of incoming mail: the mailroom's lists and each team's bannette (selectors).

Every list takes the user, filters in SQL and writes one ``MAIL_QUEUE`` access-log row per page.
Who sees which queue (the rules are in ``mail.perms``):

- **mailroom** (to qualify, manual, waiting for recognition, qualified not routed yet): mailroom agents
  and superusers (``mail.perms.can_receive_mail``). They see scans and suggestions, never
  social files (``dossier_unique.perms`` gives them nothing).
- **team bannette**: current members of the team (any role), and superusers
  (``mail.perms.can_work_team_queue``). Another team's member gets a 404.

Items are read through the intake selectors (``mail.selectors.mail_items_for``), so the item
rules live in one place (``mail.perms``); the lists add their own state / team filters on top.
"""

from __future__ import annotations

from django.db.models import Case, Count, IntegerField, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from grc.audit.models import AccessLog
from grc.audit.services import access_log_write
from grc.models import Team
from grc.perms import current_team_ids, is_agent
from mail.models import MailItem
from mail.perms import can_receive_mail, can_work_team_queue
from mail.selectors import mail_items_for

MAILROOM_STATES = {
    "a_qualifier": (MailItem.Status.RECOGNISED,),
    "manuel": (MailItem.Status.MANUAL,),
    "en_cours": (MailItem.Status.RECEIVED,),
    "qualifies": (MailItem.Status.QUALIFIED,),
}
TEAM_SCOPES = ("tous", "moi", "non_attribues", "traites")


def mailroom_queue(*, user, state: str = "a_qualifier", request=None) -> QuerySet:
    """The mailroom's list for ``state`` (see ``MAILROOM_STATES``), oldest first; 404 for non-mailroom users."""
    if not can_receive_mail(user):
        raise Http404
    statuses = MAILROOM_STATES.get(state, MAILROOM_STATES["a_qualifier"])
    items = (
        mail_items_for(user=user)
        .filter(status__in=statuses)
        .select_related("mail_type", "team", "batch")
        .order_by("received_at", "id")
    )
    access_log_write(actor=user, action=AccessLog.Action.MAIL_QUEUE, request=request, purpose=f"courrier : {state}")
    return items


def mailroom_counts(*, user) -> dict[str, int]:
    """How many letters wait in each mailroom state (for the tabs)."""
    if not can_receive_mail(user):
        raise Http404
    rows = MailItem.objects.values("status").annotate(n=Count("id"))
    by_status = {row["status"]: row["n"] for row in rows}
    return {state: sum(by_status.get(s, 0) for s in statuses) for state, statuses in MAILROOM_STATES.items()}


def team_queue_teams(user) -> list[Team]:
    """Teams whose bannette the user may open (their current teams; every team for a superuser)."""
    if not is_agent(user):
        return []
    if user.is_superuser:
        return list(Team.objects.filter(is_active=True).order_by("name"))
    return list(Team.objects.filter(pk__in=current_team_ids(user), is_active=True).order_by("name"))


def team_queue(*, user, team_pk: int, scope: str = "tous", request=None) -> tuple[Team, QuerySet]:
    """A team's bannette: routed letters, overdue first then by due date; ``scope`` narrows it.

    ``moi``: assigned to the user; ``non_attribues``: nobody's yet; ``traites``: handled ones,
    most recent first. 404 when the user is not a member of that team.
    """
    team = Team.objects.filter(pk=team_pk).first()
    if team is None or not can_work_team_queue(user, team):
        raise Http404
    items = mail_items_for(user=user).filter(team=team).select_related("mail_type", "assigned_to", "citizen")
    if scope == "traites":
        items = items.filter(status=MailItem.Status.HANDLED).order_by("-handled_at", "-id")
    else:
        items = items.filter(status=MailItem.Status.ROUTED)
        if scope == "moi":
            items = items.filter(assigned_to=user)
        elif scope == "non_attribues":
            items = items.filter(assigned_to__isnull=True)
        today = timezone.localdate()
        items = items.annotate(
            overdue=Case(When(due_date__lt=today, then=Value(0)), default=Value(1), output_field=IntegerField())
        ).order_by("overdue", "due_date", "received_at", "id")
    access_log_write(
        actor=user,
        action=AccessLog.Action.MAIL_QUEUE,
        obj=team,
        request=request,
        purpose=f"bannette : {scope}",
    )
    return team, items
