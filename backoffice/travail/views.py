"""Tasks and notifications in the back office: my tasks and my teams', a task on anything, done / reopen,
my notifications and which kinds come in the daily e-mail.

Reads through ``travail.selectors``, writes one ``travail.services`` call per POST; a task the agent
may not see is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from backoffice.travail import views_bulk_export
from demandes import selectors as request_selectors
from dossier_unique import perms as file_perms
from dossier_unique import selectors as file_selectors
from dossier_unique.services.note_edit import note_edit as note_edit_service
from grc.forms import add_service_error
from grc.perms import is_agent
from mail import selectors as mail_selectors
from travail import bulk, exports, handover, selectors, services
from travail.forms import DigestSettingsForm, ExportForm, HandoverForm, NoteEditForm, TaskForm

PAGE_SIZE = 50
SUBJECT_NOT_FOUND = gettext_lazy("Cette demande, ce dossier ou ce courrier est introuvable ou vous est inaccessible.")
SCOPES = (
    ("moi", gettext_lazy("Mes tâches")),
    ("equipe", gettext_lazy("Tâches de mes équipes")),
    ("faites", gettext_lazy("Faites")),
)


def _require_agent(user):
    if not is_agent(user):
        raise Http404


def _safe_next(request, default: str) -> str:
    next_url = request.POST.get("next", "")
    if next_url.startswith("/backoffice/") and "//" not in next_url:
        return next_url
    return default


def _task_form(request, data=None):
    return TaskForm(
        data,
        colleagues=selectors.colleagues_for(user=request.user),
        teams=selectors.teams_for(user=request.user),
    )


def task_list(request, form=None, status=200):
    """My tasks (``moi``), my teams' (``equipe``) or done ones (``faites``); ``echeance`` narrows to overdue or due."""
    _require_agent(request.user)
    scope = request.GET.get("vue", "moi")
    scope = scope if scope in selectors.TASK_SCOPES else "moi"
    due = request.GET.get("echeance", "")
    due = due if due in selectors.TASK_DUES else ""
    tasks = selectors.tasks_for(user=request.user, scope=scope, due=due)
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    for task in page.object_list:
        task.subject_url = services.subject_url(task=task)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "backoffice/travail/task_list.html",
        {
            "scope": scope,
            "due": due,
            "scopes": SCOPES,
            "page": page,
            "query": query.urlencode(),
            "today": timezone.localdate(),
            "form": form or _task_form(request),
            "next_url": reverse("backoffice:task_list"),
        },
        status=status,
    )


def _subject(request) -> dict:
    """The request, file or letter named in the POST, read through its own selector (404 if not visible)."""
    user = request.user
    code = request.POST.get("request_code", "").strip()[:40]
    file_id = request.POST.get("file_id", "").strip()
    mail_id = request.POST.get("mail_item_id", "").strip()
    if code:
        return {"request": request_selectors.request_get(user=user, code=code, log=False)}
    if file_id.isdigit():
        return {"file": file_selectors.file_get(user=user, pk=int(file_id), log=False)}
    if mail_id.isdigit():
        return {"mail_item": mail_selectors.mail_get(user=user, pk=int(mail_id), request=request)}
    return {}


@require_POST
def task_create(request):
    """Create a task (on the request, file or letter the form came from or names, if any), then back there."""
    _require_agent(request.user)
    form = _task_form(request, request.POST)
    if form.is_valid():
        try:
            subject = _subject(request)
        except Http404:
            form.add_error(None, SUBJECT_NOT_FOUND)
        else:
            try:
                assignee, team = selectors.assignment_targets(
                    user=request.user, assignee_id=form.cleaned_data["assignee"], team_id=form.cleaned_data["team"]
                )
                services.task_create(
                    actor=request.user,
                    title=form.cleaned_data["title"],
                    due_date=form.cleaned_data["due_date"],
                    assignee=assignee,
                    team=team,
                    **subject,
                )
            except ValidationError as error:
                add_service_error(form, error, fields={"assignee_id": "assignee", "team_id": "team"})
            else:
                messages.success(request, _("Tâche créée."))
                return redirect(_safe_next(request, reverse("backoffice:task_list")))
    return task_list(request, form=form, status=422)


@require_POST
def task_done(request, pk):
    _require_agent(request.user)
    task = selectors.task_get(user=request.user, pk=pk)
    services.task_complete(task=task, actor=request.user)
    messages.success(request, _("Tâche « %(title)s » faite.") % {"title": task.title})
    return redirect(_safe_next(request, reverse("backoffice:task_list")))


@require_POST
def task_reopen(request, pk):
    _require_agent(request.user)
    task = selectors.task_get(user=request.user, pk=pk)
    services.task_reopen(task=task, actor=request.user)
    messages.success(request, _("Tâche « %(title)s » rouverte.") % {"title": task.title})
    return redirect(_safe_next(request, reverse("backoffice:task_list") + "?vue=faites"))


def notification_list(request):
    """My notifications, newest first: the kind and a link."""
    _require_agent(request.user)
    page = Paginator(selectors.notifications_for(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "backoffice/travail/notification_list.html", {"page": page, "query": ""})


@require_POST
def notifications_read(request):
    _require_agent(request.user)
    count = services.notifications_mark_read(user=request.user)
    messages.success(request, _("%(n)d notification(s) marquée(s) comme lue(s).") % {"n": count})
    return redirect("backoffice:notification_list")


def notification_settings(request):
    """Which kinds come in the daily e-mail (all by default; the in-app list shows every kind)."""
    _require_agent(request.user)
    opted_out = selectors.opted_out_kinds(user=request.user)
    form = DigestSettingsForm(request.POST or None, opted_out=opted_out)
    if request.method == "POST" and form.is_valid():
        for kind, wanted in form.cleaned_data.items():
            services.notification_opt_out_set(user=request.user, kind=kind, email=wanted)
        messages.success(request, _("Vos choix d'e-mails sont enregistrés."))
        return redirect("backoffice:notification_settings")
    return render(request, "backoffice/travail/notification_settings.html", {"form": form})


def work_handover(request):
    """A team manager hands an absent colleague's requests, letters, accompaniments and tasks to another agent:
    choose, see what will move (confirmation), confirm; the worker then moves each thing and the job's page
    shows one line per thing moved or not."""
    _require_agent(request.user)
    absents = list(selectors.managed_colleagues(user=request.user))
    if not absents:
        raise Http404
    form = HandoverForm(request.POST or None, absents=absents, colleagues=selectors.colleagues_for(user=request.user))
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        absent = selectors.managed_colleague_get(user=request.user, pk=form.cleaned_data["absent"])
        to_user = selectors.assignment_targets(
            user=request.user, assignee_id=form.cleaned_data["to_user"], team_id=None
        )[0]
        if "confirm" not in request.POST:
            context.update(preview=handover.handover_preview(actor=request.user, absent=absent), absent=absent)
            return render(request, "backoffice/travail/handover.html", context)
        try:
            job = handover.handover_start(
                actor=request.user, absent=absent, to_user=to_user, reason=form.cleaned_data["reason"]
            )
        except (ValidationError, PermissionDenied) as error:
            add_service_error(form, error, fields={"to_user": "to_user", "reason": "reason"})
        else:
            # The worker moves each thing; its page shows the progress and one line per thing.
            return redirect("backoffice:bulk_job", pk=job.pk)
    status = 422 if form.errors else 200
    return render(request, "backoffice/travail/handover.html", context, status=status)


def note_edit(request, pk):
    """The author corrects their note within 24 hours (else 404); the note page then shows it as edited."""
    note = file_selectors.note_get(user=request.user, pk=pk, request=request)
    if not file_perms.can_edit_note(request.user, note):
        raise Http404
    form = NoteEditForm(request.POST or None, initial={"text": note.text})
    if request.method == "POST" and form.is_valid():
        try:
            note_edit_service(note=note, text=form.cleaned_data["text"], actor=request.user)
        except (ValidationError, PermissionDenied) as error:
            add_service_error(form, error, default_field="text")
        else:
            messages.success(request, _("La note a été corrigée."))
            return redirect("backoffice:note_detail", pk=note.pk)
    status = 422 if form.errors else 200
    return render(request, "backoffice/travail/note_edit.html", {"form": form, "note": note}, status=status)


def request_export(request, team_id):
    """Export a team's queue (the filters of the queue page carried over) as CSV or XLSX, with the columns chosen.

    The form is a GET (the URL holds column names and filters, never a name); the file is answered when the
    form is valid. 404 outside the team (the queue's own selector); each export is access-logged with its rows.
    """
    _require_agent(request.user)
    columns = [(key, column.label) for key, column in exports.REQUEST_COLUMNS.items()]
    bound = "format" in request.GET
    form = ExportForm(request.GET if bound else None, columns=columns,
                      initial={"colonnes": list(exports.DEFAULT_REQUEST_COLUMNS)})  # fmt: skip
    filters = {"status": request.GET.get("statut", "")[:30], "assigned": request.GET.get("attribution", "")[:10]}
    if bound and form.is_valid():
        header, rows = exports.request_queue_export(
            user=request.user, team_id=team_id, columns=form.cleaned_data["colonnes"], http_request=request, **filters
        )
        stamp = timezone.localdate().strftime("%Y%m%d")
        if form.cleaned_data["format"] == "xlsx":
            body = exports.to_xlsx(header, rows, title="Demandes")
            kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        else:
            body, kind = exports.to_csv(header, rows), "text/csv; charset=utf-8"
        response = HttpResponse(body, content_type=kind)
        extension = form.cleaned_data["format"]
        response["Content-Disposition"] = f'attachment; filename="demandes-equipe-{team_id}-{stamp}.{extension}"'
        response["Cache-Control"] = "private, no-store"
        return response
    team = request_selectors.queue_teams(user=request.user)
    team = next((t for t in team if t.pk == team_id), None)
    if team is None:
        raise Http404
    context = {"form": form, "team": team, "filters": request.GET.get("statut", ""), "assigned": filters["assigned"]}
    return render(request, "backoffice/travail/export.html", context, status=422 if form.errors else 200)


@require_POST
def request_bulk(request, team_id):
    """Bulk action on requests ticked in a team's queue: a confirmation page (the rows, the agent to give them
    to), then the job is queued for the worker and its page shows the progress and a result per row; an export
    ("Exporter…") answers the file of the ticked rows (``views_bulk_export``)."""
    _require_agent(request.user)
    teams = {t.pk: t for t in request_selectors.queue_teams(user=request.user)}
    if team_id not in teams:
        raise Http404
    team = teams[team_id]
    codes = [code[:40] for code in request.POST.getlist("codes")][: bulk.BULK_MAX_ROWS + 1]
    action = request.POST.get("action", "")
    if action == views_bulk_export.EXPORT:
        return views_bulk_export.request_bulk_export(request, team, codes)
    agents = request_selectors.team_agents(team_id=team_id)
    context = {"team": team, "codes": codes, "action": action, "agents": agents, "error": ""}
    context["reason"] = request.POST.get("reason", "")[: bulk.REASON_MAX_LENGTH]
    if "confirm" in request.POST:
        chosen = request.POST.get("assignee", "")
        assignee = next((a for a in agents if str(a.pk) == chosen), None)
        try:
            job = bulk.bulk_job_start(actor=request.user, team=team, codes=codes, action=action, assignee=assignee,
                                      reason=context["reason"])  # fmt: skip
        except ValidationError as error:
            context["error"] = " ".join(error.messages)
        else:
            return redirect("backoffice:bulk_job", pk=job.pk)
    elif not codes:
        context["error"] = _("Cochez au moins une demande.")
    status = 422 if context["error"] else 200
    return render(request, "backoffice/travail/bulk_confirm.html", context, status=status)


def bulk_job(request, pk):
    """A bulk action's progress and its result per row (reloads itself while the worker runs)."""
    _require_agent(request.user)
    job = selectors.bulk_job_get(user=request.user, pk=pk)
    if job.action == bulk.HANDOVER and job.actor_id != request.user.pk:
        raise Http404  # a handover's lines (file numbers) are for the manager who ran it
    context = {"job": job, "label": bulk.action_label(job.action), "is_mail": job.action in bulk.MAIL_JOBS,
               "can_undo": job.action in bulk.UNDO_OF and job.status == "done" and not job.undos.exists()}  # fmt: skip
    return render(request, "backoffice/travail/bulk_job.html", context)


@require_POST
def bulk_job_undo(request, pk):
    _require_agent(request.user)
    job = selectors.bulk_job_get(user=request.user, pk=pk)
    try:
        undo = bulk.bulk_job_undo(actor=request.user, job=job)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("backoffice:bulk_job", pk=job.pk)
    return redirect("backoffice:bulk_job", pk=undo.pk)
