"""Bulk actions on a team's request queue and mail bannette (write services): start a job, run it in the
worker row by row with its progress, undo an assignment job.

Each row goes through the thing's own service (``request_assign``, ``request_take_in_review``,
``request_close``, ``mail_assign``, ``mail_handle``, each ``transaction.atomic``) in its own savepoint, so
one refused row (wrong status, taken meanwhile) is a line of the result and never stops the others; the
history and events record the actor as for a single action. Rows are committed 25 at a time together with
the progress: one commit per 25 rows rather than one per row (the commits were most of a 500-row job's time).

``BulkJob.action`` holds one of ``BulkJob.Action``; the job page's title is the longer label of
``ACTION_LABELS``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks import task

from demandes import services as request_services
from demandes.models import Request
from demandes.perms import is_team_member
from grc.models import User
from mail import services as mail_services
from mail.models import MailItem
from mail.perms import can_work_team_queue

from .models import BulkJob

logger = logging.getLogger(__name__)

BULK_MAX_ROWS = 500
CODE = re.compile(r"[A-Za-z0-9-]{1,40}")
# Progress is written every this many rows, in the same commit as those rows, so the page shows it moving.
PROGRESS_EVERY = 25
REASON_MAX_LENGTH = 500

ASSIGN = BulkJob.Action.ASSIGN.value
TAKE_IN_REVIEW = BulkJob.Action.TAKE_IN_REVIEW.value
UNDO_ASSIGN = BulkJob.Action.UNDO_ASSIGN.value
CLOSE = BulkJob.Action.CLOSE.value
MAIL_ASSIGN = BulkJob.Action.MAIL_ASSIGN.value
MAIL_HANDLE = BulkJob.Action.MAIL_HANDLE.value
MAIL_UNDO_ASSIGN = BulkJob.Action.MAIL_UNDO_ASSIGN.value
HANDOVER = BulkJob.Action.HANDOVER.value
REQUEST_ACTIONS = (ASSIGN, TAKE_IN_REVIEW, CLOSE)
MAIL_ACTIONS = (MAIL_ASSIGN, MAIL_HANDLE)
MAIL_JOBS = (MAIL_ASSIGN, MAIL_HANDLE, MAIL_UNDO_ASSIGN)
ACTION_LABELS = {
    ASSIGN: gettext_lazy("Attribuer des demandes"),
    TAKE_IN_REVIEW: gettext_lazy("Passer des demandes en instruction"),
    UNDO_ASSIGN: gettext_lazy("Annuler une attribution de demandes en lot"),
    CLOSE: gettext_lazy("Classer des demandes sans suite"),
    MAIL_ASSIGN: gettext_lazy("Attribuer des courriers"),
    MAIL_HANDLE: gettext_lazy("Marquer des courriers traités"),
    MAIL_UNDO_ASSIGN: gettext_lazy("Annuler une attribution de courriers en lot"),
    HANDOVER: gettext_lazy("Reprise du travail d'un agent absent"),
}
UNDO_OF = {ASSIGN: UNDO_ASSIGN, MAIL_ASSIGN: MAIL_UNDO_ASSIGN}

# (label, what to do → message, previous value[, kind]): the label is a code or a number, never a name.
Row = tuple[str, Callable[[], str] | None, object] | tuple[str, Callable[[], str] | None, object, str]


def _clean_codes(codes: Iterable[str], *, invalid: str, required: str) -> list[str]:
    codes = list(dict.fromkeys(code.strip() for code in codes if code and code.strip()))
    if any(not CODE.fullmatch(code) for code in codes):
        raise ValidationError(invalid, code="invalid")
    if not codes:
        raise ValidationError(required, code="required")
    if len(codes) > BULK_MAX_ROWS:
        raise ValidationError(_("Au plus 500 lignes par action en lot."), code="too_many")
    return codes


@transaction.atomic
def bulk_job_start(*, actor, team, codes: list[str], action: str, assignee=None, reason: str = "") -> BulkJob:
    """Queue ``action`` on the requests ``codes`` of ``team`` for the worker (``bulk_job_task``).

    ``actor`` must work the team's queue; an assignee must be a current member of it; closing needs the
    reason the request's service asks for (the same for every row). At most 500 rows.
    """
    if not is_team_member(actor, team.pk):
        raise ValidationError(_("Vous ne travaillez pas dans cette équipe."), code="forbidden")
    codes = _clean_codes(codes, invalid=_("Numéro de demande invalide."), required=_("Cochez au moins une demande."))
    if action not in REQUEST_ACTIONS:
        raise ValidationError(_("Action inconnue."), code="action")
    if assignee is not None and not is_team_member(assignee, team.pk):
        raise ValidationError(_("Cet agent n'appartient pas à l'équipe qui traite la demande."), code="assign")
    reason = " ".join((reason or "").split())[:REASON_MAX_LENGTH]
    if action == CLOSE and not reason:
        raise ValidationError(_("Indiquez pourquoi les demandes sont classées sans suite."), code="required")
    return _create(actor=actor, team=team, action=action, assignee=assignee, codes=codes, reason=reason)


@transaction.atomic
def bulk_mail_job_start(*, actor, team, numbers: list[str], action: str, assignee=None) -> BulkJob:
    """Queue ``action`` (``mail_assign``: to ``assignee`` or nobody; ``mail_handle``) on the letters
    ``numbers`` (registration numbers) of ``team``'s bannette for the worker.

    ``actor`` must work the bannette (``mail.perms.can_work_team_queue``); an assignee must be a current member
    of the team. At most 500 rows.
    """
    if not can_work_team_queue(actor, team):
        raise ValidationError(_("Vous ne travaillez pas dans cette équipe."), code="forbidden")
    numbers = _clean_codes(
        numbers, invalid=_("Numéro de courrier invalide."), required=_("Cochez au moins un courrier.")
    )
    if action not in MAIL_ACTIONS:
        raise ValidationError(_("Action inconnue."), code="action")
    if assignee is not None and not is_team_member(assignee, team.pk):
        raise ValidationError(_("Cet agent ne fait pas partie de l'équipe destinataire."), code="assign")
    return _create(actor=actor, team=team, action=action, assignee=assignee, codes=numbers)


def _create(*, reason: str = "", **fields) -> BulkJob:
    job = BulkJob.objects.create(total=len(fields["codes"]), **fields)
    job_id = job.pk
    # The reason travels with the worker's call (BulkJob has no field for it); each request's history keeps it.
    transaction.on_commit(lambda: bulk_job_task.enqueue(job_id, reason))
    return job


def action_label(action: str) -> str:
    """The French name of a job's action."""
    return str(ACTION_LABELS.get(action, action))


# --- the worker's side --------------------------------------------------------------------------------------


def _request_rows(job: BulkJob, reason: str) -> list[Row]:
    found = {r.tracking_code: r for r in Request.objects.filter(team=job.team, tracking_code__in=job.codes)}
    if job.action == UNDO_ASSIGN:
        previous = {row["code"]: row.get("previous") for row in job.undo_of.results}
        users = User.objects.filter(is_active=True).in_bulk([pk for pk in previous.values() if pk])
    rows = []
    for code in job.codes:
        request = found.get(code)
        if request is None:
            rows.append((code, None, None))
            continue
        if job.action == ASSIGN:
            run = _request_assign(request, job.assignee, job.actor)
        elif job.action == TAKE_IN_REVIEW:
            run = _request_review(request, job.actor)
        elif job.action == CLOSE:
            run = _request_close(request, reason, job.actor)
        else:
            run = _request_assign(request, users.get(previous.get(code)), job.actor, undo=True)
        rows.append((code, run, request.assigned_to_id))
    return rows


def _request_assign(request, user, actor, *, undo=False):
    def run():
        request_services.request_assign(request=request, user=user, actor=actor)
        if undo:
            return _("attribution d'origine rétablie")
        return _("attribuée") if user else _("remise dans la bannette")

    return run


def _request_review(request, actor):
    def run():
        request_services.request_take_in_review(request=request, actor=actor)
        return _("en cours d'instruction")

    return run


def _request_close(request, reason, actor):
    def run():
        request_services.request_close(request=request, reason=reason, actor=actor)
        return _("classée sans suite")

    return run


def _mail_rows(job: BulkJob) -> list[Row]:
    found = {
        m.registration_number: m for m in MailItem.objects.filter(team=job.team, registration_number__in=job.codes)
    }
    if job.action == MAIL_UNDO_ASSIGN:
        previous = {row["code"]: row.get("previous") for row in job.undo_of.results}
        users = User.objects.filter(is_active=True).in_bulk([pk for pk in previous.values() if pk])
    rows = []
    for number in job.codes:
        item = found.get(number)
        if item is None:
            rows.append((number, None, None))
            continue
        if job.action == MAIL_ASSIGN:
            run = _mail_assign(item, job.assignee, job.actor)
        elif job.action == MAIL_HANDLE:
            run = _mail_handle(item, job.actor)
        else:
            run = _mail_assign(item, users.get(previous.get(number)), job.actor, undo=True)
        rows.append((number, run, item.assigned_to_id))
    return rows


def _mail_assign(item, user, actor, *, undo=False):
    def run():
        mail_services.mail_assign(item=item, user=user, actor=actor)
        if undo:
            return _("attribution d'origine rétablie")
        return _("attribué") if user else _("remis dans la bannette")

    return run


def _mail_handle(item, actor):
    def run():
        mail_services.mail_handle(item=item, actor=actor)
        return _("traité")

    return run


def _run_one(label: str, run, previous, kind: str = "") -> dict:
    line = {"code": label, "ok": False, "message": "", "previous": previous}
    if kind:
        line["kind"] = str(kind)
    if run is None:
        line["message"] = _("introuvable dans cette bannette")
        return line
    try:
        # The row's service is itself ``transaction.atomic``: inside the chunk's transaction that is the row's
        # savepoint (a refused row rolls back alone); a second one of ours would only double the round trips.
        line["message"] = run()
        line["ok"] = True
    except (ValidationError, PermissionDenied) as error:
        line["message"] = " ".join(getattr(error, "messages", [])) or _("Action refusée.")
    except Exception as error:  # noqa: BLE001 - one broken row must not leave the job running for ever
        # Only the exception's class: its text may quote a row's data.
        logger.error("bulk job row failed: %s", type(error).__name__)
        line["message"] = _("Erreur technique : cette ligne n'a pas été modifiée.")
    return line


def rows_run(*, job_id: int, rows: list[Row]) -> list[dict]:
    """Run ``rows`` for job ``job_id``: each row in its own savepoint, 25 rows per commit with the progress,
    then mark the job done. Returns the result lines (``code``, ``ok``, ``message``, ``previous``)."""
    BulkJob.objects.filter(pk=job_id).update(status=BulkJob.Status.RUNNING, total=len(rows))
    results: list[dict] = []
    for start in range(0, len(rows), PROGRESS_EVERY):
        with transaction.atomic():
            results += [_run_one(*row) for row in rows[start : start + PROGRESS_EVERY]]
            BulkJob.objects.filter(pk=job_id).update(done=len(results), results=results)
    BulkJob.objects.filter(pk=job_id).update(
        done=len(results), results=results, status=BulkJob.Status.DONE, finished_at=timezone.now()
    )
    return results


def bulk_job_run(*, job_id: int, reason: str = "") -> BulkJob:
    """Run a queued request or mail job row by row (see ``rows_run``)."""
    job = BulkJob.objects.select_related("actor", "assignee", "team", "undo_of").get(pk=job_id)
    if job.status == BulkJob.Status.DONE:
        return job
    rows = _mail_rows(job) if job.action in MAIL_JOBS else _request_rows(job, reason)
    rows_run(job_id=job.pk, rows=rows)
    job.refresh_from_db()
    return job


@transaction.atomic
def bulk_job_undo(*, actor, job: BulkJob) -> BulkJob:
    """Put back the assignment each request or letter had before an assignment job (only rows it changed)."""
    if job.action not in UNDO_OF or job.status != BulkJob.Status.DONE:
        raise ValidationError(_("Seule une attribution en lot terminée peut être annulée."), code="undo")
    if job.undos.exists():
        raise ValidationError(_("Cette action en lot a déjà été annulée."), code="undo")
    allowed = can_work_team_queue(actor, job.team) if job.action == MAIL_ASSIGN else is_team_member(actor, job.team_id)
    if not allowed:
        raise ValidationError(_("Vous ne travaillez pas dans cette équipe."), code="forbidden")
    codes = [row["code"] for row in job.results if row["ok"]]
    return _create(actor=actor, team=job.team, action=UNDO_OF[job.action], codes=codes, undo_of=job)


@task()
def bulk_job_task(job_id: int, reason: str = "") -> dict:
    """The worker's side of a bulk action (``bulk_job_run``); its summary."""
    job = bulk_job_run(job_id=job_id, reason=reason)
    return {"total": job.total, "done": job.done, "refused": sum(1 for row in job.results if not row["ok"])}
