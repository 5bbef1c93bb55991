"""Bulk actions on a team's request queue (write services): start a job, run it in the worker row by row
with its progress, undo an assignment job.

Each row goes through the requests' own service (``request_assign``, ``request_take_in_review``) in its own
savepoint, so one refused row (wrong status, taken meanwhile) is a line of the result and never stops the
others; the request's history and events record the actor as for a single action.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from demandes import services as request_services
from demandes.models import Request
from demandes.perms import is_team_member
from grc.models import User

from .models import BulkJob

BULK_MAX_ROWS = 500
CODE = re.compile(r"[A-Za-z0-9-]{1,40}")
# Progress is written every this many rows (one UPDATE), so the page shows it moving.
PROGRESS_EVERY = 25


@transaction.atomic
def bulk_job_start(*, actor, team, codes: list[str], action: str, assignee=None) -> BulkJob:
    """Queue ``action`` on the requests ``codes`` of ``team`` for the worker (``tasks.bulk_job_run``).

    ``actor`` must work the team's queue; an assignee must be a current member of it. At most 500 rows.
    """
    if not is_team_member(actor, team.pk):
        raise ValidationError(_("Vous ne travaillez pas dans cette équipe."), code="forbidden")
    codes = list(dict.fromkeys(code.strip() for code in codes if code and code.strip()))
    if any(not CODE.fullmatch(code) for code in codes):
        raise ValidationError(_("Numéro de demande invalide."), code="invalid")
    if not codes:
        raise ValidationError(_("Cochez au moins une demande."), code="required")
    if len(codes) > BULK_MAX_ROWS:
        raise ValidationError(_("Au plus 500 demandes par action en lot."), code="too_many")
    if action not in (BulkJob.Action.ASSIGN, BulkJob.Action.TAKE_IN_REVIEW):
        raise ValidationError(_("Action inconnue."), code="action")
    if assignee is not None and not is_team_member(assignee, team.pk):
        raise ValidationError(_("Cet agent n'appartient pas à l'équipe qui traite la demande."), code="assign")
    job = BulkJob.objects.create(actor=actor, team=team, action=action, assignee=assignee, codes=codes,
                                 total=len(codes))  # fmt: skip
    _enqueue(job)
    return job


def _enqueue(job: BulkJob) -> None:
    job_id = job.pk
    transaction.on_commit(lambda: bulk_job_task.enqueue(job_id))


def _apply(job: BulkJob, request: Request, previous: dict) -> str:
    if job.action == BulkJob.Action.ASSIGN:
        request_services.request_assign(request=request, user=job.assignee, actor=job.actor)
        return _("attribuée") if job.assignee else _("remise dans la bannette")
    if job.action == BulkJob.Action.TAKE_IN_REVIEW:
        request_services.request_take_in_review(request=request, actor=job.actor)
        return _("en cours d'instruction")
    before = previous.get(request.tracking_code)
    request_services.request_assign(request=request, user=before and _user(before), actor=job.actor)
    return _("attribution d'origine rétablie")


def _user(pk):
    return User.objects.filter(pk=pk, is_active=True).first()


def bulk_job_run(*, job_id: int) -> BulkJob:
    """Run a queued job row by row (each row its own transaction), writing the progress every 25 rows."""
    job = BulkJob.objects.select_related("actor", "assignee", "team").get(pk=job_id)
    if job.status == BulkJob.Status.DONE:
        return job
    BulkJob.objects.filter(pk=job.pk).update(status=BulkJob.Status.RUNNING)
    previous = {row["code"]: row.get("previous") for row in job.undo_of.results} if job.undo_of_id else {}
    found = {r.tracking_code: r for r in Request.objects.filter(team=job.team, tracking_code__in=job.codes)}
    results = []
    for index, code in enumerate(job.codes, start=1):
        request = found.get(code)
        line = {"code": code, "ok": False, "message": "", "previous": None}
        if request is None:
            line["message"] = _("introuvable dans cette bannette")
        else:
            line["previous"] = request.assigned_to_id
            try:
                with transaction.atomic():
                    line["message"] = _apply(job, request, previous)
                    line["ok"] = True
            except ValidationError as error:
                line["message"] = " ".join(error.messages)
        results.append(line)
        if index % PROGRESS_EVERY == 0:
            BulkJob.objects.filter(pk=job.pk).update(done=index, results=results)
    BulkJob.objects.filter(pk=job.pk).update(
        done=len(results), results=results, status=BulkJob.Status.DONE, finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job


@transaction.atomic
def bulk_job_undo(*, actor, job: BulkJob) -> BulkJob:
    """Put back the assignment each request had before an assignment job (only rows it changed)."""
    if job.action != BulkJob.Action.ASSIGN or job.status != BulkJob.Status.DONE:
        raise ValidationError(_("Seule une attribution en lot terminée peut être annulée."), code="undo")
    if job.undos.exists():
        raise ValidationError(_("Cette action en lot a déjà été annulée."), code="undo")
    if not is_team_member(actor, job.team_id):
        raise ValidationError(_("Vous ne travaillez pas dans cette équipe."), code="forbidden")
    codes = [row["code"] for row in job.results if row["ok"]]
    undo = BulkJob.objects.create(actor=actor, team=job.team, action=BulkJob.Action.UNDO_ASSIGN, codes=codes,
                                  total=len(codes), undo_of=job)  # fmt: skip
    _enqueue(undo)
    return undo


@task()
def bulk_job_task(job_id: int) -> dict:
    """The worker's side of a bulk action (``bulk_job_run``); its summary."""
    job = bulk_job_run(job_id=job_id)
    return {"total": job.total, "done": job.done, "refused": sum(1 for row in job.results if not row["ok"])}
