"""Export of letters ticked in a team's bannette (CSV / XLSX through ``travail.exports``), with a choice of
columns: read through the mail selector (same rules as the bannette), one ``EXPORT`` access-log row with
the team, the columns and the row count.
"""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grc.models import Team
from mail.perms import can_work_team_queue
from mail.selectors import mail_items_for

from .exports import EXPORT_MAX_ROWS, Column, table_export


def _date(value):
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M") if value else ""


MAIL_COLUMNS: dict[str, Column] = {
    "numero": Column(_("N° d'enregistrement"), lambda m: m.registration_number),
    "recu": Column(_("Reçu le"), lambda m: _date(m.received_at)),
    "type": Column(_("Type"), lambda m: m.mail_type.name if m.mail_type_id else ""),
    "usager": Column(_("Usager"), lambda m: m.citizen.display_name if m.citizen_id else "", personal=True),
    "statut": Column(_("Statut"), lambda m: m.get_status_display()),
    "echeance": Column(_("Échéance"), lambda m: m.due_date.strftime("%d/%m/%Y") if m.due_date else ""),
    "agent": Column(_("Agent chargé"), lambda m: m.assigned_to.get_full_name() if m.assigned_to_id else ""),
}
DEFAULT_MAIL_COLUMNS = ("numero", "recu", "type", "statut", "echeance", "agent")


def mail_selection_export(
    *, user, team_pk: int, numbers: list[str], columns: list[str], http_request=None
) -> tuple[list[str], list[list[str]]]:
    """The letters ``numbers`` (registration numbers) of ``team_pk``'s bannette that ``user`` may read (404
    when they do not work that bannette), in the bannette's order, with ``columns`` (keys of ``MAIL_COLUMNS``;
    unknown keys ignored). Logs one ``EXPORT`` row naming the team, the columns and the row count."""
    team = Team.objects.filter(pk=team_pk).first()
    if team is None or not can_work_team_queue(user, team):
        raise Http404
    items = (
        mail_items_for(user=user)
        .filter(team=team, registration_number__in=numbers[:EXPORT_MAX_ROWS])
        .select_related("mail_type", "citizen", "assigned_to")
        .order_by("due_date", "received_at", "pk")
    )
    return table_export(
        user=user, team=team, registry=MAIL_COLUMNS, defaults=DEFAULT_MAIL_COLUMNS, columns=columns,
        objects=items, what="de courriers", http_request=http_request,
    )  # fmt: skip
