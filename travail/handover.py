"""Handing over an absent colleague's work (a write service: the team manager's one action), run by the worker.

Lives beside ``services`` because it calls the other apps' own services for each thing it moves (requests,
letters, accompaniments), so each move keeps that app's history, events and access rules. The manager
confirms, ``handover_start`` checks and queues a job (``BulkJob``, action ``handover``), the worker moves
each thing in its own savepoint with the progress every 25 lines (``travail.bulk.rows_run``), and the job's
page shows one line per thing, moved or why not.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django_tasks import task

from demandes import services as request_services
from demandes.models import Request
from demandes.perms import request_team_ids
from dossier_unique.models import Accompaniment
from dossier_unique.services.referent import accompaniment_referent_change
from grc.history import save_tracked
from grc.models import Membership, User
from grc.perms import current_team_ids, is_agent, membership_current_q
from mail import services as mail_services
from mail.models import MailItem

from . import perms
from .bulk import HANDOVER, rows_run
from .models import BulkJob, Notification, Task
from .services import notification_send


def managed_team_ids(user) -> list[int]:
    """Teams ``user`` currently manages."""
    return list(
        Membership.objects.filter(membership_current_q(roles=[Membership.Role.TEAM_MANAGER]), user=user).values_list(
            "team_id", flat=True
        )
    )


def handover_preview(*, actor, absent) -> dict[str, int]:
    """How many requests, letters, accompaniments and tasks ``work_hand_over`` would move (for the confirmation)."""
    if not perms.is_manager_of(actor, absent):
        raise PermissionDenied
    teams = managed_team_ids(actor)
    return {
        "requests": Request.objects.filter(
            assigned_to=absent, status__in=Request.OPEN_STATUSES, team_id__in=teams
        ).count(),
        "letters": MailItem.objects.filter(
            assigned_to=absent, status=MailItem.Status.ROUTED, team_id__in=teams
        ).count(),
        "accompaniments": Accompaniment.objects.filter(
            referent=absent, status=Accompaniment.Status.OPEN, team_id__in=teams
        ).count(),
        "tasks": Task.objects.filter(assignee=absent, done_at__isnull=True).count(),
    }


def _request_rows(*, actor, absent, to_user, teams) -> list:
    rows = []
    requests = Request.objects.filter(assigned_to=absent, status__in=Request.OPEN_STATUSES, team_id__in=teams)
    # The teams whose requests the taker works (the request service's own rule): one query, not one per request.
    taker_teams = {row["team_id"] for row in request_team_ids(to_user)} if is_agent(to_user) else set()
    for req in requests.order_by("pk"):
        taker = to_user if req.team_id in taker_teams else None

        def run(req=req, taker=taker):
            request_services.request_assign(request=req, user=taker, actor=actor)
            if taker:
                return _("confiée à %(name)s") % {"name": to_user}
            return _("remise dans la bannette de l'équipe")

        rows.append((req.tracking_code, run, absent.pk, _("demande")))
    return rows


def _letter_rows(*, actor, absent, to_user, teams) -> list:
    rows = []
    letters = MailItem.objects.filter(assigned_to=absent, status=MailItem.Status.ROUTED, team_id__in=teams)
    for item in letters.order_by("pk"):

        def run(item=item):
            mail_services.mail_assign(item=item, user=to_user, actor=actor)
            return _("attribué")

        rows.append((item.registration_number, run, absent.pk, _("courrier")))
    return rows


def _accompaniment_rows(*, actor, absent, to_user, teams, reason) -> list:
    rows = []
    accompaniments = Accompaniment.objects.filter(referent=absent, status=Accompaniment.Status.OPEN, team_id__in=teams)
    for acc in accompaniments.order_by("pk"):

        def run(acc=acc):
            accompaniment_referent_change(accompaniment=acc, referent=to_user, actor=actor, reason=reason)
            return _("nouveau référent")

        rows.append((_("dossier n° %(n)s") % {"n": acc.file_id}, run, absent.pk, _("accompagnement")))
    return rows


def _task_rows(*, actor, absent, to_user) -> list:
    rows = []
    for item in Task.objects.filter(assignee=absent, done_at__isnull=True).order_by("pk"):

        def run(item=item):
            with transaction.atomic():  # the row's savepoint (the other rows' services are atomic themselves)
                item.assignee = to_user
                save_tracked(item, actor, "reprise pendant une absence")
            return _("confiée")

        rows.append((f"#{item.pk}", run, absent.pk, _("tâche")))
    return rows


def _check(*, actor, absent, to_user, reason: str) -> str:
    if not perms.is_manager_of(actor, absent):
        raise PermissionDenied(_("Vous n'êtes pas responsable d'une équipe de cet agent."))
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": [_("Indiquez le motif (absence, départ…).")]}, code="required")
    if to_user is None or not is_agent(to_user) or to_user.pk == absent.pk:
        raise ValidationError({"to_user": [_("Choisissez un autre agent.")]}, code="to_user")
    if not perms.can_assign_to(actor, to_user):
        raise ValidationError({"to_user": [_("Cet agent ne fait pas partie de vos équipes.")]}, code="to_user")
    return reason


@transaction.atomic
def handover_start(*, actor, absent, to_user, reason: str) -> BulkJob:
    """Check and queue the handover of ``absent``'s open requests, routed letters and accompaniments (as
    referent) in the teams ``actor`` manages, and of their open tasks, to ``to_user`` (``handover_run`` in the
    worker). The job's page is ``actor``'s only.

    Refused (``PermissionDenied``) unless ``actor`` manages a team of ``absent``; ``ValidationError`` in French
    for an empty reason, the absent agent themselves or an agent outside ``actor``'s teams.
    """
    reason = _check(actor=actor, absent=absent, to_user=to_user, reason=reason)
    # The job belongs to one team the manager manages and the absent agent is in (BulkJob needs a team).
    managed = managed_team_ids(actor)
    team_id = min(set(managed) & set(current_team_ids(absent)), default=managed[0])
    total = sum(handover_preview(actor=actor, absent=absent).values())
    job = BulkJob.objects.create(actor=actor, team_id=team_id, action=HANDOVER, assignee=to_user, total=total)
    job_id, absent_id = job.pk, absent.pk
    transaction.on_commit(lambda: handover_task.enqueue(job_id, absent_id, reason))
    return job


def handover_run(*, job_id: int, absent_id: int, reason: str) -> BulkJob:
    """The worker's side: move what ``absent`` holds now (read again: it may have changed since the
    confirmation), each thing through its app's service (history with the manager as actor, request events,
    access recomputed) in its own savepoint, 25 per commit with the progress; a line per thing. A request whose
    team the taker is not in goes back to its team's queue; a letter or accompaniment they cannot take stays and
    says why. The taker is notified once."""
    job = BulkJob.objects.select_related("actor", "assignee").get(pk=job_id)
    if job.status == BulkJob.Status.DONE:
        return job
    actor, to_user, absent = job.actor, job.assignee, User.objects.get(pk=absent_id)
    teams = managed_team_ids(actor)
    rows = _request_rows(actor=actor, absent=absent, to_user=to_user, teams=teams)
    rows += _letter_rows(actor=actor, absent=absent, to_user=to_user, teams=teams)
    rows += _accompaniment_rows(actor=actor, absent=absent, to_user=to_user, teams=teams, reason=reason)
    rows += _task_rows(actor=actor, absent=absent, to_user=to_user)
    results = rows_run(job_id=job.pk, rows=rows)
    if any(line["ok"] for line in results):
        notification_send(
            recipients=[to_user], kind=Notification.Kind.WORK_TRANSFERRED, url=reverse("backoffice:home")
        )
    job.refresh_from_db()
    return job


@task()
def handover_task(job_id: int, absent_id: int, reason: str) -> dict:
    """The worker's side of a handover (``handover_run``); its summary."""
    job = handover_run(job_id=job_id, absent_id=absent_id, reason=reason)
    return {"total": job.total, "moved": sum(1 for row in job.results if row["ok"])}
