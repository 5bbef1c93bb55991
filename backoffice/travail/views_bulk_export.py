"""Export of the requests ticked in a team's queue ("Exporter…" in the queue's bulk menu): a confirmation page
(the ticked codes, how many the export will hold and how many are left out, the columns and the format), then
the file (CSV or XLSX), access-logged with its row count.

Reads through ``travail.exports`` (the queue's own selector); a queue the agent does not work is a 404.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from travail import bulk, exports
from travail.forms import ExportForm

EXPORT = "export"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_response(header: list[str], rows: list[list[str]], *, extension: str, title: str, filename: str):
    """The file answer of an export: CSV or XLSX, as an attachment that no cache keeps."""
    if extension == "xlsx":
        response = HttpResponse(exports.to_xlsx(header, rows, title=title), content_type=XLSX)
    else:
        response = HttpResponse(exports.to_csv(header, rows), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.{extension}"'
    response["Cache-Control"] = "private, no-store"
    return response


def request_bulk_export(request, team, codes: list[str]):
    """The ticked ``codes`` of ``team``'s queue (the caller checked the agent works it): the confirmation page
    with the columns and the format, then the file of the ticked requests the agent may read."""
    columns = [(key, column.label) for key, column in exports.REQUEST_COLUMNS.items()]
    form = ExportForm(request.POST if "confirm" in request.POST else None, columns=columns,
                      initial={"colonnes": list(exports.DEFAULT_REQUEST_COLUMNS)})  # fmt: skip
    codes = list(dict.fromkeys(code.strip() for code in codes if code.strip()))
    context = {"team": team, "codes": codes, "form": form, "error": "", "kept": [], "left_out": 0}
    if not codes:
        context["error"] = _("Cochez au moins une demande.")
    elif len(codes) > bulk.BULK_MAX_ROWS:
        context["error"] = _("Au plus 500 lignes par action en lot.")
    elif form.is_bound and form.is_valid():
        header, rows = exports.request_selection_export(
            user=request.user, team_id=team.pk, codes=codes, columns=form.cleaned_data["colonnes"],
            http_request=request,
        )  # fmt: skip
        return export_response(header, rows, extension=form.cleaned_data["format"], title="Demandes",
                               filename=f"demandes-cochees-equipe-{team.pk}")  # fmt: skip
    else:
        context["kept"] = exports.request_selection_kept(
            user=request.user, team_id=team.pk, codes=codes, http_request=request
        )
        context["left_out"] = len(codes) - len(context["kept"])
    status = 422 if context["error"] or form.errors else 200
    return render(request, "backoffice/travail/bulk_export_confirm.html", context, status=status)
