"""Exports of work lists (CSV and XLSX) with a choice of columns: a selector that reads through the list's
own selector (same permission filter), writes one ``EXPORT`` access-log row with the row count, and returns
the rows; the writers below turn them into bytes.

Cells a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or CR) are
prefixed with an apostrophe: a citizen's name or a procedure title typed as ``=HYPERLINK(…)`` stays text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook

from demandes import selectors as request_selectors
from grc.audit.models import AccessLog
from grc.audit.services import access_log_write

EXPORT_MAX_ROWS = 20_000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    label: str
    value: Callable[[object], object]
    personal: bool = False


def _date(value):
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M") if value else ""


REQUEST_COLUMNS: dict[str, Column] = {
    "numero": Column(_("Numéro"), lambda r: r.tracking_code),
    "demarche": Column(_("Démarche"), lambda r: r.procedure_title),
    "usager": Column(_("Usager"), lambda r: r.citizen.display_name if r.citizen_id else "", personal=True),
    "statut": Column(_("Statut"), lambda r: r.get_status_display()),
    "canal": Column(_("Canal"), lambda r: r.get_channel_display()),
    "deposee": Column(_("Déposée le"), lambda r: _date(r.submitted_at)),
    "echeance": Column(_("Échéance"), lambda r: r.due_date.strftime("%d/%m/%Y") if r.due_date else ""),
    "agent": Column(_("Agent chargé"), lambda r: r.assigned_to.get_full_name() if r.assigned_to_id else ""),
}
DEFAULT_REQUEST_COLUMNS = ("numero", "demarche", "statut", "echeance", "agent")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def table_export(
    *, user, team, registry: dict[str, Column], defaults, columns: list[str], objects, what: str, http_request=None
) -> tuple[list[str], list[list[str]]]:
    """The rows of ``objects`` (already read through their list's selector) with ``columns`` (keys of
    ``registry``, in its order; unknown keys ignored, none = ``defaults``), each cell neutralised. Logs one
    ``EXPORT`` row naming ``team``, the columns and the row count (``what`` names the rows, in French)."""
    keys = [key for key in registry if key in columns] or list(defaults)
    rows = [[safe_cell(registry[key].value(item)) for key in keys] for item in objects]
    access_log_write(
        actor=user,
        action=AccessLog.Action.EXPORT,
        object_type="grc.team",
        object_id=team.pk,
        purpose=f"export {what} : {len(rows)} lignes ; colonnes {', '.join(keys)}"[:255],
        request=http_request,
    )
    return [str(registry[key].label) for key in keys], rows


def request_queue_export(
    *, user, team_id: int, columns: list[str], status: str = "", assigned: str = "", http_request=None
) -> tuple[list[str], list[list[str]]]:
    """The team queue ``user`` may read (``demandes.selectors.request_queue``: 404 outside the team), with
    ``columns`` (keys of ``REQUEST_COLUMNS``, in that order; unknown keys ignored), at most
    ``EXPORT_MAX_ROWS``. Logs one ``EXPORT`` row naming the team, the columns and the row count."""
    team, requests, _counts = request_selectors.request_queue(
        user=user, team_id=team_id, status=status, assigned=assigned, http_request=http_request
    )
    return table_export(
        user=user, team=team, registry=REQUEST_COLUMNS, defaults=DEFAULT_REQUEST_COLUMNS, columns=columns,
        objects=requests.select_related("team")[:EXPORT_MAX_ROWS], what="des demandes", http_request=http_request,
    )  # fmt: skip


def _ticked_requests(*, user, team_id: int, codes: list[str], http_request=None):
    # Any status but drafts (a ticked request may have been closed since the page was shown), through the
    # queue's own selector: a code of another team, a draft or garbage simply matches nothing.
    team, requests, _counts = request_selectors.request_queue(
        user=user, team_id=team_id, status="all", http_request=http_request
    )
    return team, requests.filter(tracking_code__in=list(codes)[:EXPORT_MAX_ROWS])


def request_selection_kept(*, user, team_id: int, codes: list[str], http_request=None) -> list[str]:
    """Of the ticked ``codes``, those in ``team_id``'s queue that ``user`` may read (404 outside the team), in
    the queue's order: what an export of the selection will hold (the rest is left out)."""
    _team, requests = _ticked_requests(user=user, team_id=team_id, codes=codes, http_request=http_request)
    return list(requests.values_list("tracking_code", flat=True))


def request_selection_export(
    *, user, team_id: int, codes: list[str], columns: list[str], http_request=None
) -> tuple[list[str], list[list[str]]]:
    """The requests ``codes`` ticked in ``team_id``'s queue that ``user`` may read (the queue's selector: 404
    outside the team; codes of another team or unknown are left out), in the queue's order, with ``columns``
    (keys of ``REQUEST_COLUMNS``). Logs one ``EXPORT`` row naming the team, the columns and the row count."""
    team, requests = _ticked_requests(user=user, team_id=team_id, codes=codes, http_request=http_request)
    return table_export(
        user=user, team=team, registry=REQUEST_COLUMNS, defaults=DEFAULT_REQUEST_COLUMNS, columns=columns,
        objects=requests.select_related("team"), what="de demandes cochées", http_request=http_request,
    )  # fmt: skip


def to_csv(header: list[str], rows: list[list[str]]) -> bytes:
    """UTF-8 with a BOM and ``;`` separators: what a French spreadsheet opens without an import dialog."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(header: list[str], rows: list[list[str]], *, title: str) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
