"""Writes of the agents' day: tasks, notifications, the daily digest, opt-outs.

Tasks keep their history (who created, completed, reopened them, and why). Notifications carry a
kind and a link, never a name: the e-mail digest is built from them alone. Some tasks make themselves from
what lower apps tell (``travail.receivers``): a citizen's reply or documents on a request, an invitation to
book that expired unanswered (and that task closes itself once the invitation needs no follow-up).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from demandes import selectors as request_selectors
from grc.history import save_tracked
from grc.models import Membership, User
from grc.perms import is_agent, membership_current_q
from rendezvous import events as rdv_events
from rendezvous.perms import AGENDA_ROLES

from . import perms
from .models import Notification, NotificationOptOut, Task

TITLE_MAX_LENGTH = 200
S = Task.Source
# Auto-created tasks: what the citizen did -> (task title, notification kind). Titles name no one.
K = Notification.Kind
AUTO_TASKS = {
    S.CITIZEN_REPLY: (gettext_lazy("Lire la réponse de l'usager"), K.CITIZEN_REPLIED),
    S.DOCUMENT_RETURNED: (gettext_lazy("Examiner les pièces envoyées par l'usager"), K.DOCUMENT_RETURNED),
}


def subject_url(*, task: Task) -> str:
    """The back-office page of what the task is about (its own list when it is about nothing)."""
    if task.request_id:
        return reverse("backoffice:request_detail", kwargs={"code": task.request.tracking_code})
    if task.mail_item_id:
        return reverse("backoffice:mail_detail", kwargs={"pk": task.mail_item_id})
    if task.file_id:
        return reverse("backoffice:file_detail", kwargs={"pk": task.file_id})
    if task.invitation_id:
        # The invitations page (its row, by anchor): the agent sees who, resends or books there, by its rules.
        return reverse("backoffice:rdv_invitations") + f"#invitation-{task.invitation_id}"
    return reverse("backoffice:task_list")


def _clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise ValidationError({"title": [_("Indiquez ce qu'il faut faire.")]}, code="required")
    if len(title) > TITLE_MAX_LENGTH:
        raise ValidationError({"title": [_("L'intitulé est trop long (200 caractères au plus).")]}, code="too_long")
    return title


def _check_assignment(actor, *, assignee, team, request, mail_item) -> None:
    if assignee is None and team is None:
        raise ValidationError({"assignee": [_("Confiez la tâche à un agent ou à une équipe.")]}, code="required")
    if assignee is not None and not perms.can_assign_to(actor, assignee):
        raise ValidationError({"assignee": [_("Cet agent ne fait pas partie de vos équipes.")]}, code="assignee")
    if team is not None and team.pk not in perms.assignable_team_ids(actor, request=request, mail_item=mail_item):
        raise ValidationError({"team": [_("Vous ne pouvez pas confier une tâche à cette équipe.")]}, code="team")


@transaction.atomic
def task_create(
    *,
    actor,
    title: str,
    assignee=None,
    team=None,
    due_date: datetime.date | None = None,
    file=None,
    request=None,
    mail_item=None,
) -> Task:
    """An agent's task on a file, a request, a letter or nothing (at most one), for a person or a team.

    ``actor`` must see the subject and may give the task only to themselves, a current colleague or one
    of their teams / the subject's team (``perms``). The assignee (other than the actor) is notified.
    French ``ValidationError`` on bad input, nothing saved.
    """
    if not is_agent(actor):
        raise ValidationError(_("Seuls les agents peuvent créer des tâches."), code="forbidden")
    title = _clean_title(title)
    if sum(x is not None for x in (file, request, mail_item)) > 1:
        raise ValidationError(_("Une tâche porte sur un seul dossier, une seule demande ou un seul courrier."))
    if not perms.can_see_subject(actor, file=file, request=request, mail_item=mail_item):
        raise ValidationError(_("Vous n'avez pas accès à cet élément."), code="subject")
    _check_assignment(actor, assignee=assignee, team=team, request=request, mail_item=mail_item)
    if due_date is not None and due_date < timezone.localdate() - datetime.timedelta(days=365):
        raise ValidationError({"due_date": [_("L'échéance est trop ancienne.")]}, code="due_date")
    task = save_tracked(
        Task(
            title=title,
            assignee=assignee,
            team=team,
            due_date=due_date,
            file=file,
            request=request,
            mail_item=mail_item,
            created_by=actor,
        ),
        actor,
        "tâche créée",
    )
    if assignee is not None and assignee.pk != actor.pk:
        notification_send(recipients=[assignee], kind=K.TASK_ASSIGNED, url=subject_url(task=task), task=task)
    return task


@transaction.atomic
def task_complete(*, task: Task, actor) -> Task:
    """Mark a task done (by someone who may see it); idempotent on a done task."""
    if not perms.can_view_task(actor, task):
        raise ValidationError(_("Cette tâche n'est pas la vôtre."), code="forbidden")
    if task.done_at is None:
        task.done_at = timezone.now()
        task.done_by = actor
        save_tracked(task, actor, "tâche faite")
    return task


@transaction.atomic
def task_reopen(*, task: Task, actor) -> Task:
    """Undo ``task_complete``: the task is open again (history keeps both steps)."""
    if not perms.can_view_task(actor, task):
        raise ValidationError(_("Cette tâche n'est pas la vôtre."), code="forbidden")
    if task.done_at is not None:
        task.done_at = None
        task.done_by = None
        save_tracked(task, actor, "tâche rouverte")
    return task


@transaction.atomic
def task_for_citizen_action(*, request, source: str, actor=None) -> Task | None:
    """The task a citizen's reply or returned documents create on their request, for its assigned agent or
    else its team, due in two working days' worth of calendar days; notified to them.

    One open task per request and source: a second message while the first is unread notifies again but
    adds no task. Requests not yet with a team (drafts) get none.
    """
    if request.assigned_to_id is None and request.team_id is None:
        return None
    title, kind = AUTO_TASKS[source]
    task = Task.objects.filter(request=request, source=source, done_at__isnull=True).first()
    if task is None:
        task = save_tracked(
            Task(
                title=str(title),
                request=request,
                assignee_id=request.assigned_to_id,
                team_id=None if request.assigned_to_id else request.team_id,
                due_date=timezone.localdate() + datetime.timedelta(days=2),
                source=source,
            ),
            actor if getattr(actor, "is_authenticated", False) else None,
            "créée par une réponse de l'usager",
        )
    if request.assigned_to_id is not None:
        recipients = [request.assigned_to]
    else:
        recipients = request_selectors.team_agents(team_id=request.team_id)
    notification_send(
        recipients=recipients,
        kind=kind,
        url=reverse("backoffice:request_detail", kwargs={"code": request.tracking_code}),
        task=task,
    )
    return task


# Why an invitation's follow-up task closed itself (``rendezvous.events.invitation_closed``), for its history.
INVITATION_CLOSED_REASONS = {
    rdv_events.USED: "close : rendez-vous pris avec l'invitation",
    rdv_events.RESENT: "close : invitation renvoyée",
    rdv_events.REVOKED: "close : invitation retirée",
    rdv_events.REPLACED: "close : nouvelle invitation envoyée",
    rdv_events.BOOKED: "close : rendez-vous pris pour ce motif",
}


def _agenda_agents(team_id: int):
    """The team's current agents who work its appointments (``rendezvous.perms.AGENDA_ROLES``): those who may
    open the invitations page a follow-up task points to."""
    return User.objects.filter(
        # One filter() call: the team, the role and the dates are those of the same membership row.
        membership_current_q("memberships__", roles=AGENDA_ROLES),
        is_active=True,
        is_staff=True,
        memberships__team_id=team_id,
    ).distinct()


def _works_the_agenda(user, team_id: int) -> bool:
    """Whether ``user`` is an agent with a current agenda role in the team (may keep a follow-up task)."""
    return is_agent(user) and (
        Membership.objects.filter(membership_current_q(roles=AGENDA_ROLES), user=user, team_id=team_id).exists()
    )


def _follow_up_notify(task: Task) -> None:
    """Tell an invitation's follow-up task's assignee, or each agenda agent of its team, that it waits."""
    recipients = [task.assignee] if task.assignee_id else list(_agenda_agents(task.team_id))
    notification_send(recipients=recipients, kind=K.INVITATION_EXPIRED, url=subject_url(task=task), task=task)


def _invitation_task_title(invitation) -> str:
    motif = invitation.motif
    if motif.is_sensitive:
        # A masked motif is never named outside the appointment itself (as on the timeline).
        return _("Relancer : invitation sans rendez-vous")
    return _("Relancer : invitation sans rendez-vous (motif « %(motif)s »)") % {"motif": motif.name}


@transaction.atomic
def task_for_invitation_expired(*, invitation) -> Task:
    """The task to call back a person who did not book with an invitation that expired (sent by the follow-up
    job, ``rendezvous.events.invitation_expired``): for the agent who sent it while they still work the motif
    team's appointments (a current agenda role there), else for that team; due in two days; notified to the
    agent (or to each agenda agent of the team), with a link to the invitations page.

    One task per invitation, ever (a constraint backs it): a second call returns the first task and notifies
    nobody. The title names the motif unless it is sensitive, never the person.
    """
    existing = Task.objects.filter(invitation=invitation, source=S.INVITATION_EXPIRED).first()
    if existing is not None:
        return existing
    team_id = invitation.motif.team_id
    creator = invitation.created_by
    keeps_it = _works_the_agenda(creator, team_id)
    task = save_tracked(
        Task(
            title=_invitation_task_title(invitation)[:TITLE_MAX_LENGTH],
            invitation=invitation,
            assignee=creator if keeps_it else None,
            team_id=None if keeps_it else team_id,
            due_date=timezone.localdate() + datetime.timedelta(days=2),
            source=S.INVITATION_EXPIRED,
        ),
        None,
        "créée par une invitation expirée sans rendez-vous",
    )
    _follow_up_notify(task)
    return task


@transaction.atomic
def tasks_close_for_invitation(*, invitation, why: str, actor=None) -> int:
    """Mark done the open follow-up task of ``invitation``, which needs no call-back any more (``why``: a
    ``rendezvous.events`` reason, kept in the task's history). ``done_by`` is ``actor`` when an agent acted,
    nobody otherwise (the person booked, the job). Its notifications not read yet are marked read: the daily
    digest does not send anyone to work already done. Returns how many tasks closed (0 or 1)."""
    by = actor if is_agent(actor) else None
    now = timezone.now()
    tasks = list(
        Task.objects.select_for_update().filter(
            invitation=invitation, source=S.INVITATION_EXPIRED, done_at__isnull=True
        )
    )
    for task in tasks:
        task.done_at = now
        task.done_by = by
        save_tracked(task, by, INVITATION_CLOSED_REASONS.get(why, "close"))
    if tasks:
        Notification.objects.filter(task__in=tasks, read_at__isnull=True).update(read_at=now)
    return len(tasks)


INVITATION_REOPENED_REASON = "rouverte : le rendez-vous pris pour ce motif est annulé"


@transaction.atomic
def task_reopen_for_invitation(*, invitation, actor=None) -> Task | None:
    """Open again the follow-up task of ``invitation`` when it closed itself on a booking for the motif
    (``rendezvous.events.BOOKED``) and that booking was cancelled (``rendezvous.events.invitation_reopened``):
    the invitations page shows the person « à relancer » again, so does the agent's day. Its assignee is told
    again; the team (each of its agenda agents) when there is no assignee or the assignee has left the team's
    appointments since. A task an agent marked done, or that closed for another reason, stays done. Returns the
    task reopened, if any."""
    task = (
        Task.objects.select_for_update()
        .filter(invitation=invitation, source=S.INVITATION_EXPIRED, done_at__isnull=False)
        .first()
    )
    if task is None:
        return None
    last = task.history.order_by("-history_date", "-history_id").values_list("history_change_reason", flat=True)
    if last.first() != INVITATION_CLOSED_REASONS[rdv_events.BOOKED]:
        return None
    task.done_at = task.done_by = None
    task.due_date = max(task.due_date or timezone.localdate(), timezone.localdate())
    team_id = invitation.motif.team_id
    if task.assignee_id and not _works_the_agenda(task.assignee, team_id):
        # Its agent no longer works the motif team's appointments: the team has it, as at creation.
        task.assignee, task.team_id = None, team_id
    save_tracked(task, actor if is_agent(actor) else None, INVITATION_REOPENED_REASON)
    _follow_up_notify(task)
    return task


def notification_send(*, recipients, kind: str, url: str, task: Task | None = None) -> list[Notification]:
    """Tell each of ``recipients`` that something of ``kind`` waits at ``url`` (a back-office path).

    No text beyond the kind is stored: the digest and the in-app list say only what kind of thing
    waits and where.
    """
    rows = [Notification(recipient=user, kind=kind, url=url[:300], task=task) for user in recipients if user]
    return Notification.objects.bulk_create(rows)


@transaction.atomic
def notifications_mark_read(*, user, ids=None) -> int:
    """Mark ``user``'s notifications read (those of ``ids``, or all); others' are left alone."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


@transaction.atomic
def notification_opt_out_set(*, user, kind: str, email: bool) -> None:
    """Receive (``email=True``) or not the daily digest for ``kind``; kept in history."""
    if kind not in Notification.Kind.values:
        raise ValidationError({"kind": [_("Type de notification inconnu.")]}, code="kind")
    existing = NotificationOptOut.objects.filter(user=user, kind=kind).first()
    if email and existing is not None:
        existing._history_user = user
        existing.delete()
    elif not email and existing is None:
        save_tracked(NotificationOptOut(user=user, kind=kind), user, "désabonnement")


def digest_body(*, counts: dict[str, int], links: dict[str, list[str]]) -> str:
    """The digest's text: per kind, how many and the links. Built from kinds and paths only."""
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    labels = dict(Notification.Kind.choices)
    total = sum(counts.values())
    lines = [
        _("Bonjour,"),
        "",
        ngettext(
            "%(n)d élément vous attend dans le back-office :",
            "%(n)d éléments vous attendent dans le back-office :",
            total,
        )
        % {"n": total},
        "",
    ]
    for kind, count in counts.items():
        lines.append(f"- {labels[kind]} : {count}")
        lines += [f"  {base}{url}" for url in links[kind][:10]]
    lines += ["", _("Vos notifications : %(url)s") % {"url": base + reverse("backoffice:notification_list")}]
    settings_url = base + reverse("backoffice:notification_settings")
    lines.append(_("Choisissez les e-mails que vous recevez : %(url)s") % {"url": settings_url})
    return "\n".join(lines)


@transaction.atomic
def digest_send(*, user, now: datetime.datetime | None = None) -> int:
    """E-mail ``user`` one digest of their notifications not yet e-mailed, less the kinds they opted out
    of; each notification goes into one digest at most. Returns how many it listed (0: no e-mail)."""
    now = now or timezone.now()
    pending = Notification.objects.select_for_update(skip_locked=True).filter(
        recipient=user, emailed_at__isnull=True, read_at__isnull=True
    )
    opted_out = set(NotificationOptOut.objects.filter(user=user).values_list("kind", flat=True))
    rows = list(pending.order_by("created_at", "pk"))
    counts: dict[str, int] = {}
    links: dict[str, list[str]] = {}
    for row in rows:
        if row.kind in opted_out:
            continue
        counts[row.kind] = counts.get(row.kind, 0) + 1
        if row.url not in links.setdefault(row.kind, []):
            links[row.kind].append(row.url)
    Notification.objects.filter(pk__in=[r.pk for r in rows]).update(emailed_at=now)
    if not counts or not user.email or not user.is_active:
        return 0
    body = digest_body(counts=counts, links=links)
    # Sent inside the transaction: a failed send rolls back the "e-mailed" marks, so the next run retries.
    EmailMessage(subject=_("Votre journée : ce qui vous attend"), body=body, to=[user.email]).send()
    return sum(counts.values())
