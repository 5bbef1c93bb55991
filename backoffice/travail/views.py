"""Tasks and notifications in the back office: my tasks and my teams', a task on anything, done / reopen,
my notifications and which kinds come in the daily e-mail.

Reads through ``travail.selectors``, writes one ``travail.services`` call per POST; a task the agent
may not see is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from demandes import selectors as request_selectors
from dossier_unique import selectors as file_selectors
from grc.forms import add_service_error
from grc.perms import is_agent
from mail import selectors as mail_selectors
from travail import selectors, services
from travail.forms import DigestSettingsForm, TaskForm

PAGE_SIZE = 50
SCOPES = (("moi", _("Mes tâches")), ("equipe", _("Tâches de mes équipes")), ("faites", _("Faites")))


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
    """Create a task (on the request, file or letter the form came from, if any), then back there."""
    _require_agent(request.user)
    subject = _subject(request)
    form = _task_form(request, request.POST)
    if form.is_valid():
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
    if subject:
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
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
