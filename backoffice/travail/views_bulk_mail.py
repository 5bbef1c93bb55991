"""Bulk actions in a team's mail bannette: tick letters, choose "Attribuer…", "Marquer traités" or
"Exporter…", confirm; the worker runs the job (``travail.bulk``) and its page shows the progress and a
result per letter; an assignment can be undone there. An export answers the file at once (CSV or XLSX, the
columns ticked), access-logged with its row count.

Reads through ``mail.queues`` / ``travail.exports_mail``, writes through ``travail.bulk``; a bannette the
agent does not work is a 404.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from demandes import selectors as request_selectors
from grc.perms import is_agent
from mail import queues
from travail import bulk, exports_mail
from travail.forms import ExportForm

from .views_bulk_export import export_response

EXPORT = "export"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _team(request, team_pk):
    if not is_agent(request.user):
        raise Http404
    team = next((t for t in queues.team_queue_teams(request.user) if t.pk == team_pk), None)
    if team is None:
        raise Http404
    return team


def _export_form(data=None):
    columns = [(key, column.label) for key, column in exports_mail.MAIL_COLUMNS.items()]
    return ExportForm(data, columns=columns, initial={"colonnes": list(exports_mail.DEFAULT_MAIL_COLUMNS)})


@require_POST
def mail_bulk(request, team_pk):
    """Confirmation of a bulk action on the letters ticked in a bannette (the letters; the agent to give them
    to, or the columns and format of an export), then the job is queued (or the export answered)."""
    team = _team(request, team_pk)
    numbers = [number[:40] for number in request.POST.getlist("numbers")][: bulk.BULK_MAX_ROWS + 1]
    action = request.POST.get("action", "")
    context = {"team": team, "numbers": numbers, "action": action, "error": "", "form": None,
               "agents": request_selectors.team_agents(team_id=team.pk)}  # fmt: skip
    if action == EXPORT:
        return _export(request, team, context)
    if "confirm" in request.POST:
        chosen = request.POST.get("assignee", "")
        assignee = next((a for a in context["agents"] if str(a.pk) == chosen), None)
        try:
            job = bulk.bulk_mail_job_start(
                actor=request.user, team=team, numbers=numbers, action=action, assignee=assignee
            )
        except ValidationError as error:
            context["error"] = " ".join(error.messages)
        else:
            return redirect("backoffice:bulk_job", pk=job.pk)
    elif not numbers:
        context["error"] = _("Cochez au moins un courrier.")
    elif action not in bulk.MAIL_ACTIONS:
        context["error"] = _("Action inconnue.")
    status = 422 if context["error"] else 200
    return render(request, "backoffice/travail/bulk_mail_confirm.html", context, status=status)


def _export(request, team, context):
    form = _export_form(request.POST if "confirm" in request.POST else None)
    context["form"] = form
    if not context["numbers"]:
        context["error"] = _("Cochez au moins un courrier.")
    elif len(context["numbers"]) > bulk.BULK_MAX_ROWS:
        context["error"] = _("Au plus 500 lignes par action en lot.")
    elif form.is_bound and form.is_valid():
        header, rows = exports_mail.mail_selection_export(
            user=request.user, team_pk=team.pk, numbers=context["numbers"],
            columns=form.cleaned_data["colonnes"], http_request=request,
        )  # fmt: skip
        return export_response(
            header, rows, extension=form.cleaned_data["format"], title="Courriers",
            filename=f"courriers-equipe-{team.pk}",
        )  # fmt: skip
    status = 422 if context["error"] or form.errors else 200
    return render(request, "backoffice/travail/bulk_mail_confirm.html", context, status=status)
