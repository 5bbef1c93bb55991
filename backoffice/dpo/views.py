"""The DPO console: access log (filters, timelines, readers, CSV export), alerts, change history, integrity.

Only the DPO (``dpo.perms.require_dpo``); everyone else gets 404. The console shows
metadata — who, what, when, why, which record — never file contents. Each consultation is itself
logged (``dpo.log``, ``dpo.export``, ``dpo.history``, ``dpo.alert``).
"""

from __future__ import annotations

import csv
import datetime
import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backoffice.dpo.forms import AlertForm, LogFilterForm
from dpo import history as audit_history
from dpo.perms import require_dpo
from dpo.selectors import (
    alert_evidence,
    alert_get,
    alert_rules_for,
    alerts_for,
    detection_status,
    history_subject_get,
    object_history,
    user_history,
    verification_stalled,
)
from dpo.services import alert_update, verification_request
from grc.audit import selectors as sel
from grc.audit.alert_rules import rule_thresholds
from grc.audit.models import AccessLog, Alert
from grc.audit.retention import min_retention_days
from grc.converters import IdConverter
from privacy import selectors as privacy_selectors


def _query_without_cursor(request) -> str:
    params = request.GET.copy()
    params.pop("apres", None)
    return params.urlencode()


def home(request):
    """The console's front page: integrity runs, open alerts, links."""
    require_dpo(request.user)
    verifications = sel.latest_verifications(user=request.user, limit=5)
    now = timezone.now()
    for verification in verifications:
        verification.stalled = verification_stalled(verification, now)
    last = verifications[0] if verifications else None
    open_alerts = alerts_for(user=request.user, status=Alert.Status.OPEN).count()
    # The legal month runs on every open register entry: what is late or due within a week, at a glance.
    today = timezone.localdate()
    register = privacy_selectors.gdpr_requests_for(user=request.user).aggregate(
        open=Count("pk"),
        late=Count("pk", filter=Q(due__lt=today)),
        due_soon=Count("pk", filter=Q(due__gte=today, due__lte=today + datetime.timedelta(days=7))),
        portal_accounts=Count("pk", filter=Q(from_portal_account=True)),
    )
    return render(
        request,
        "backoffice/dpo/home.html",
        {
            "anchors": sel.purge_anchors(user=request.user, limit=5),
            "purge_floor_days": min_retention_days(),
            "verifications": verifications,
            "open_alerts": open_alerts,
            "register": register,
            "last": last,
            # The page reloads itself until the verification under way has its result.
            "verification_live": last is not None and last.finished_at is None and not last.stalled,
        },
    )


def log_list(request):
    """The access log, filtered, newest first, by keyset pages (``apres``)."""
    require_dpo(request.user)
    form = LogFilterForm(request.GET or None)
    page = None
    if form.is_bound and form.is_valid():
        filters = form.filters()
    elif not form.is_bound:
        filters = sel.LogFilters(since=timezone.now() - datetime.timedelta(days=30))
    else:
        filters = None
    if filters is not None:
        page = sel.access_log_page(user=request.user, filters=filters, cursor=request.GET.get("apres", ""))
        _log_page_read(request, filters, page)
    return render(
        request,
        "backoffice/dpo/log_list.html",
        {"form": form, "page": page, "query": _query_without_cursor(request)},
    )


def _log_page_read(request, filters: sel.LogFilters, page: sel.LogPage) -> None:
    """The DPO's read of a page of the log: its filters, and the citizens whose names it showed."""
    sel.log_consultation(
        user=request.user, action=AccessLog.Action.DPO_LOG_VIEW, filters=filters, request=request, shown=page.citizens
    )


class _Echo:
    def write(self, value):
        return value


def log_export(request):
    """The filtered log as CSV, streamed (at most ``EXPORT_MAX`` rows); the export is logged."""
    require_dpo(request.user)
    form = LogFilterForm(request.GET)
    if not form.is_valid():
        messages.error(request, _("Les filtres de l'export ne sont pas valides."))
        return redirect("backoffice:dpo_log")
    filters = form.filters()
    sel.log_consultation(user=request.user, action=AccessLog.Action.DPO_LOG_EXPORT, filters=filters, request=request)
    limit = EXPORT_MAX
    # One row more than the limit tells whether the export was cut: the file then says so on its last line.
    rows = sel.access_log_iter(user=request.user, filters=filters, limit=limit + 1)
    labels = dict(AccessLog.Action.choices)
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(
            ["seq", "date_utc", "agent_id", "action", "libelle", "objet", "objet_id", "usager_id", "finalite", "ip"]
        )
        for count, r in enumerate(rows):
            if count == limit:
                yield writer.writerow(
                    [
                        _(
                            "Export tronqué : seules les %(n)s premières lignes figurent ici ; d'autres lignes "
                            "correspondent aux filtres. Resserrez la période pour tout exporter."
                        )
                        % {"n": limit}
                    ]
                )
                return
            yield writer.writerow(
                [
                    r.seq,
                    r.at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                    r.actor_id or "",
                    r.action,
                    labels.get(r.action, r.action),
                    r.object_type,
                    r.object_id,
                    r.citizen_id or "",
                    _csv_safe(r.purpose),
                    r.ip or "",
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="journal-acces-{timezone.localdate():%Y%m%d}.csv"'
    return response


EXPORT_MAX = 1_000_000


def _csv_safe(value: str) -> str:
    """Free text that a spreadsheet would run as a formula gets a leading apostrophe."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def actor_timeline(request, pk):
    """One agent's accesses as a timeline (grouped by day), over a period (30 days by default)."""
    require_dpo(request.user)
    subject = sel.staff_user_get(user=request.user, pk=pk)
    days = _days(request)
    filters = sel.LogFilters(actor=subject.pk, since=timezone.now() - datetime.timedelta(days=days))
    page = sel.access_log_page(user=request.user, filters=filters, cursor=request.GET.get("apres", ""))
    _log_page_read(request, filters, page)
    groups: dict = {}
    for row in page.rows:
        groups.setdefault(timezone.localtime(row.at).date(), []).append(row)
    return render(
        request,
        "backoffice/dpo/actor_timeline.html",
        {"subject": subject, "page": page, "groups": sorted(groups.items(), reverse=True), "days": days},
    )


def _days(request) -> int:
    try:
        return min(max(int(request.GET.get("jours", 30)), 1), 3 * 366)
    except ValueError:
        return 30


def citizen_readers(request, pk):
    """Who read one citizen's records (per reader: count, first and last access), over a period."""
    require_dpo(request.user)
    days = _days(request) if "jours" in request.GET else 365
    since = timezone.now() - datetime.timedelta(days=days)
    readers = sel.citizen_readers(user=request.user, citizen_id=pk, since=since)
    sel.log_consultation(
        user=request.user,
        action=AccessLog.Action.DPO_LOG_VIEW,
        citizen=pk,
        note=f"readers days={days}",
        request=request,
    )
    name = sel.names_of_citizens({pk}).get(pk, "")
    return render(
        request,
        "backoffice/dpo/citizen_readers.html",
        {"readers": readers, "citizen_pk": pk, "name": name, "days": days},
    )


# --- alerts -------------------------------------------------------------------------------------


def alert_list(request):
    require_dpo(request.user)
    status = request.GET.get("statut", Alert.Status.OPEN)
    if status not in Alert.Status.values and status != "toutes":
        status = Alert.Status.OPEN
    alerts = list(alerts_for(user=request.user, status="" if status == "toutes" else status)[:200])
    names = sel.names_of_users({a.subject_id for a in alerts if a.subject_id})
    for alert in alerts:
        alert.subject_name = names.get(alert.subject_id, "—")
    rules = alert_rules_for(user=request.user)  # their thresholds are on the rules page, as detection reads them
    return render(
        request,
        "backoffice/dpo/alert_list.html",
        {
            "alerts": alerts,
            "status": status,
            "statuses": Alert.Status.choices,
            "detection": detection_status(rules),
        },
    )


def alert_detail(request, pk):
    require_dpo(request.user)
    alert = alert_get(user=request.user, pk=pk)
    if request.method == "POST":
        form = AlertForm(request.POST)
        if form.is_valid():
            alert_update(
                alert=alert,
                actor=request.user,
                status=form.cleaned_data["status"],
                owner=form.cleaned_data["owner"],
                note=form.cleaned_data["note"],
            )
            messages.success(request, _("L'alerte est mise à jour."))
            return redirect("backoffice:dpo_alert", pk=alert.pk)
    else:
        form = AlertForm(initial={"status": alert.status, "owner": alert.owner_id})
    rows = alert_evidence(user=request.user, alert=alert)
    names = sel.names_of_users({r.actor_id for r in rows if r.actor_id} | {alert.subject_id} - {None})
    citizens = sel.names_of_citizens({r.citizen_id for r in rows if r.citizen_id})
    sel.log_consultation(
        user=request.user,
        action=AccessLog.Action.DPO_ALERT_VIEW,
        note=f"alert={alert.pk}",
        request=request,
        shown=citizens,
    )
    for r in rows:
        r.actor_name = names.get(r.actor_id, "")
        r.citizen_name = citizens.get(r.citizen_id, "")
    changes = list(alert.history.order_by("-history_date").select_related("history_user")[:50])
    return render(
        request,
        "backoffice/dpo/alert_detail.html",
        {
            "alert": alert,
            "form": form,
            "rows": rows,
            "subject_name": names.get(alert.subject_id, "—"),
            "changes": changes,
            "evidence_total": len(alert.evidence),
            "thresholds": rule_thresholds(alert.rule),
        },
    )


# --- change history -----------------------------------------------------------------------------


def _log_history_view(request, citizen_ids, *, note: str) -> None:
    """History diffs show people's data (an address, a contact point, a file's metadata…): the read is logged
    against each citizen shown, so it appears among that person's readers and in their access archive."""
    for citizen_id in sorted(citizen_ids) or [None]:
        sel.log_consultation(
            user=request.user, action=AccessLog.Action.DPO_HISTORY_VIEW, citizen=citizen_id, note=note, request=request
        )


def history_object(request, label, pk):
    """One object's changes as diffs (a citizen's include its merges)."""
    require_dpo(request.user)
    model = audit_history.model_by_label(label)
    entries = object_history(user=request.user, model_label=label, pk=pk)
    _log_history_view(request, audit_history.citizens_of(model, pk), note=f"{label}:{pk}")
    _name_entries(entries)
    return render(
        request,
        "backoffice/dpo/history.html",
        {"entries": entries, "title": f"{model._meta.verbose_name} n° {pk}", "next_cursor": None},
    )


def history_user(request, pk):
    """Changes made by one user, across every model with history (keyset pages)."""
    require_dpo(request.user)
    subject = history_subject_get(user=request.user, pk=pk)
    after = audit_history.decode_cursor(request.GET.get("avant", ""))
    entries, cursor = user_history(user=request.user, subject_id=subject.pk, after=after)
    _log_history_view(request, audit_history.citizens_of_entries(entries), note=f"user:{subject.pk}")
    _name_entries(entries)
    return render(
        request,
        "backoffice/dpo/history.html",
        {
            "entries": entries,
            "title": _("Modifications faites par %(name)s") % {"name": subject.get_full_name() or subject.email},
            "next_cursor": audit_history.encode_cursor(cursor) if cursor else None,
            "subject": subject,
        },
    )


def _name_entries(entries) -> None:
    names = sel.names_of_users({e.user_id for e in entries if e.user_id})
    for entry in entries:
        entry.user_name = names.get(entry.user_id, "")


def history_search(request):
    """Pick an object (model + number) or a user to see the change history of."""
    require_dpo(request.user)
    models_ = [(m._meta.label_lower, str(m._meta.verbose_name)) for m in audit_history.history_models()]
    label = request.GET.get("modele", "")
    pk = request.GET.get("numero", "")
    error = ""
    if label or pk:
        # What the object's URL accepts (``<id:pk>``: ASCII digits within a bigint; "²".isdigit() is true).
        if label in dict(models_) and re.fullmatch(IdConverter.regex, pk) and int(pk) > 0:
            return redirect("backoffice:dpo_history_object", label=label, pk=int(pk))
        error = _("Choisissez un type d'objet et saisissez un numéro.")
    return render(
        request,
        "backoffice/dpo/history_search.html",
        {"models": sorted(models_, key=lambda m: m[1]), "label": label, "pk": pk, "error": error},
    )


@require_POST
def verify_now(request):
    """Run the chain verification now (queued as a background task); refused while one is under way."""
    require_dpo(request.user)
    try:
        verification_request(actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("La vérification du journal est lancée ; son résultat s'affichera ici."))
    return redirect("backoffice:dpo_home")
