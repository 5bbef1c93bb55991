"""Privacy's alert detector: mass export (registered with ``grc.audit.alerts`` from ``PrivacyConfig.ready``).

Registered here, not in the DPO console, because it reads privacy's own table: a downloaded transfer to
the Archives départementales exports its ``RetentionExport.item_count`` records.

- ``mass_export``: by one staff user in a local day, at least ``max_per_day`` exports (``export``,
  ``dpo.export``, ``retention.export`` — one archive transfer logs one row per person but is one
  export) or at least ``max_items_per_day`` people or records exported (the persons of a transfer,
  the ``item_count`` of a downloaded transfer; the DPO's CSV export does not log its row count).
  A citizen acting on their own data (portal download, a staff member's own record) is never counted.
"""

from __future__ import annotations

from collections import defaultdict

from grc.audit.alert_rules import rule_params
from grc.audit.alerts import (
    EVIDENCE_MAX,
    actor_days,
    alert_raise,
    day_bounds,
    detector_register,
    own_data_q,
    staff_by_day,
)
from grc.audit.models import AccessLog, AlertRule

from .models import RetentionExport

A = AccessLog.Action

EXPORT_ACTIONS = [A.EXPORT, A.DPO_LOG_EXPORT, A.CITIZEN_DATA_DOWNLOAD, A.RETENTION_EXPORT]


def _export_counts(rows) -> tuple[int, int]:
    """``(exports, people or records exported)`` from ``(action, object_type, object_id, citizen_id)`` rows.

    A transfer to the Archives départementales logs one ``retention.export`` row per person: one
    export, that many people. Downloading a transfer (``export`` of a ``privacy.retentionexport``)
    exports its ``item_count`` records. Other exports carry no count (the DPO's CSV export logs its
    filters, not its rows): they count as exports only.
    """
    exports = 0
    transfers: dict[str, set] = defaultdict(set)
    downloaded = []
    for action, object_type, object_id, citizen_id in rows:
        if action == A.RETENTION_EXPORT:
            transfers[f"{object_type}:{object_id}"].add(citizen_id)
            continue
        exports += 1
        if action == A.EXPORT and object_type == "privacy.retentionexport" and object_id.isdigit():
            downloaded.append(int(object_id))
    volume = sum(len(people - {None}) for people in transfers.values())
    if downloaded:
        items = dict(RetentionExport.objects.filter(pk__in=set(downloaded)).values_list("pk", "item_count"))
        volume += sum(items.get(pk, 0) for pk in downloaded)
    return exports + len(transfers), volume


def detect_mass_export(rule, lo, hi, summary):
    p = rule_params(rule)
    # A portal account is never the subject of an alert.
    for day, actors in sorted(staff_by_day(actor_days(lo, hi, EXPORT_ACTIONS)).items()):
        start, end = day_bounds(day)
        # One query per day for every candidate's exports of that day.
        rows_of = defaultdict(list)
        for actor_id, *row in (
            AccessLog.objects.filter(actor_id__in=actors, at__gte=start, at__lt=end, action__in=EXPORT_ACTIONS)
            .exclude(own_data_q())
            .order_by("seq")
            .values_list("actor_id", "seq", "action", "object_type", "object_id", "citizen_id")
        ):
            rows_of[actor_id].append(row)
        for actor_id, rows in sorted(rows_of.items()):
            exports, volume = _export_counts([r[1:] for r in rows])
            if exports >= p["max_per_day"] or volume >= p["max_items_per_day"]:
                text = (
                    f"{exports} export(s) le {day:%d/%m/%Y}, {volume} personne(s) ou enregistrement(s) "
                    f"(seuils : {p['max_per_day']} exports, {p['max_items_per_day']} personnes ou enregistrements)"
                )
                seqs = [r[0] for r in rows[:EVIDENCE_MAX]]
                alert_raise(rule, actor_id, f"day:{day}", (start, end), text, seqs, summary)


def register() -> None:
    """Declare the mass-export detector to the engine (``PrivacyConfig.ready``)."""
    detector_register(AlertRule.Kind.MASS_EXPORT, detect_mass_export)
