"""The refresh of the summary tables: INSERT … SELECT … GROUP BY from the live tables, in SQL, in one transaction.

Which months are recomputed: every month after the last frozen one. Months older than
``OBSERVATOIRE_OPEN_MONTHS`` (3 by default: the current month and the two before it) are frozen at the end of the
refresh and never recomputed again, because retention and GDPR erasure later unlink or delete the source rows:
aggregates must not shrink when the people behind them are forgotten. Within the open months, an anonymised row
still counts (its commune becomes unknown once the citizen link is gone). ``rebuild=True`` unfreezes everything and
recomputes from the live rows: for the first load and the benchmark, it loses what was erased since.

The citizen's commune is their current address's INSEE code when it is a commune of the Département. The site is
the site of the team that handles the request or letter (the lieu's site for an appointment, the session's CDAS for
digital help); the programme is that team's kind. No citizen, agent or source row id is ever written.

After the detail rows (``Grain.DETAIL``), the same transaction rolls them up into coarser rows of the same tables
(``Grain.SITE`` without the commune; ``Grain.EPCI`` by the commune's EPCI; ``Grain.COMMUNE`` by commune for the
map), so that the pages over wide territories, or one EPCI, read a few thousand rows instead of hundreds of
thousands.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accueil.models import HelpSession
from demandes.models import Request
from grc.models import Address, Commune, Team
from mail.models import MailItem
from rendezvous.models import Lieu, Motif, Participant, Rendezvous

from .models import (
    COMMUNE_GRAIN_MODELS,
    AppointmentFact,
    FrozenMonth,
    Grain,
    HelpProcedureFact,
    HelpSessionFact,
    MailFact,
    RefreshRun,
    RequestDelayFact,
    RequestFact,
)
from .nonrecours import nonrecours_refresh

FACTS = [RequestFact, RequestDelayFact, MailFact, AppointmentFact, HelpSessionFact, HelpProcedureFact]
MEASURES = ("count", "timed", "minutes")
ROLLUP_FIXED = {"id", "grain", "month", "commune", "epci", "site", *MEASURES}


def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _citizen_commune_cte() -> str:
    """One commune per citizen: the current address (latest start) whose INSEE code is one of our communes."""
    return f"""
        citizen_commune AS MATERIALIZED (
            SELECT DISTINCT ON (a.citizen_id) a.citizen_id, com.code
            FROM {_t(Address)} a JOIN {_t(Commune)} com ON com.code = a.insee_code
            WHERE a.end_date IS NULL
            ORDER BY a.citizen_id, a.start_date DESC NULLS LAST, a.id DESC
        )"""  # noqa: S608 — table names from the models, no input


def _month(column: str) -> str:
    return f"date_trunc('month', {column} AT TIME ZONE %(tz)s)::date"


def _request_sql() -> str:
    month = _month("r.submitted_at")
    return f"""
        WITH {_citizen_commune_cte()}
        INSERT INTO {_t(RequestFact)} (grain, month, commune_id, site_id, programme, procedure, channel, count)
        SELECT 0, {month}, cc.code, t.site_id, coalesce(t.kind, ''), left(r.procedure_title, 255), r.channel, count(*)
        FROM {_t(Request)} r
        LEFT JOIN {_t(Team)} t ON t.id = r.team_id
        LEFT JOIN citizen_commune cc ON cc.citizen_id = r.citizen_id
        WHERE r.submitted_at >= %(start)s
        GROUP BY 2, 3, 4, 5, 6, 7"""  # noqa: S608


def _delay_sql() -> str:
    month = _month("r.decided_at")
    days = "greatest(0, floor(extract(epoch FROM r.decided_at - r.submitted_at) / 86400))::int"
    return f"""
        WITH {_citizen_commune_cte()}
        INSERT INTO {_t(RequestDelayFact)} (grain, month, commune_id, site_id, programme, procedure, channel, days,
                                             count)
        SELECT 0, {month}, cc.code, t.site_id, coalesce(t.kind, ''), left(r.procedure_title, 255), r.channel, {days},
               count(*)
        FROM {_t(Request)} r
        LEFT JOIN {_t(Team)} t ON t.id = r.team_id
        LEFT JOIN citizen_commune cc ON cc.citizen_id = r.citizen_id
        WHERE r.decided_at >= %(start)s AND r.submitted_at IS NOT NULL
        GROUP BY 2, 3, 4, 5, 6, 7, 8"""  # noqa: S608


def _mail_sql(event: str, column: str) -> str:
    month = _month(f"m.{column}")
    return f"""
        WITH {_citizen_commune_cte()}
        INSERT INTO {_t(MailFact)} (grain, month, commune_id, site_id, programme, event, count)
        SELECT 0, {month}, cc.code, t.site_id, coalesce(t.kind, ''), '{event}', count(*)
        FROM {_t(MailItem)} m
        LEFT JOIN {_t(Team)} t ON t.id = m.team_id
        LEFT JOIN citizen_commune cc ON cc.citizen_id = m.citizen_id
        WHERE m.{column} >= %(start)s
        GROUP BY 2, 3, 4, 5"""  # noqa: S608


def _appointment_sql() -> str:
    month = _month("r.starts_at")
    return f"""
        WITH {_citizen_commune_cte()}
        INSERT INTO {_t(AppointmentFact)} (grain, month, commune_id, site_id, programme, status, count)
        SELECT 0, {month}, cc.code, coalesce(l.site_id, t.site_id), t.kind, p.status, count(*)
        FROM {_t(Participant)} p
        JOIN {_t(Rendezvous)} r ON r.id = p.rendezvous_id
        JOIN {_t(Motif)} mo ON mo.id = r.motif_id
        JOIN {_t(Team)} t ON t.id = mo.team_id
        LEFT JOIN {_t(Lieu)} l ON l.id = r.lieu_id
        LEFT JOIN citizen_commune cc ON cc.citizen_id = p.citizen_id
        WHERE r.starts_at >= %(start)s
        GROUP BY 2, 3, 4, 5, 6"""  # noqa: S608


def _help_columns() -> dict[str, str]:
    meta = HelpSession._meta
    return {name: meta.get_field(name).column for name in ("site", "commune", "level", "place_kind", "outcome")}


def _help_sql() -> str:
    c = _help_columns()
    at = HelpSession._meta.get_field("held_at").column
    month = _month(f"h.{at}")
    return f"""
        INSERT INTO {_t(HelpSessionFact)} (grain, month, commune_id, site_id, level, place_kind, outcome, count,
                                            timed, minutes)
        SELECT 0, {month}, com.code, h.{c["site"]}, h.{c["level"]}, h.{c["place_kind"]}, h.{c["outcome"]}, count(*),
               count(h.duration_minutes), coalesce(sum(h.duration_minutes), 0)
        FROM {_t(HelpSession)} h
        LEFT JOIN {_t(Commune)} com ON com.code = h.{c["commune"]}
        WHERE h.{at} >= %(start)s
        GROUP BY 2, 3, 4, 5, 6, 7"""  # noqa: S608


def _help_procedure_sql() -> str:
    c = _help_columns()
    at = HelpSession._meta.get_field("held_at").column
    month = _month(f"h.{at}")
    return f"""
        INSERT INTO {_t(HelpProcedureFact)} (grain, month, commune_id, site_id, level, procedure, count)
        SELECT 0, {month}, com.code, h.{c["site"]}, h.{c["level"]}, proc, count(*)
        FROM {_t(HelpSession)} h
        CROSS JOIN LATERAL unnest(h.procedures) AS proc
        LEFT JOIN {_t(Commune)} com ON com.code = h.{c["commune"]}
        WHERE h.{at} >= %(start)s
        GROUP BY 2, 3, 4, 5, 6"""  # noqa: S608


STEPS: list[tuple[str, Callable[[], str]]] = [
    ("demandes déposées", _request_sql),
    ("délais de traitement", _delay_sql),
    ("courriers reçus", lambda: _mail_sql("received", "received_at")),
    ("courriers orientés", lambda: _mail_sql("routed", "routed_at")),
    ("rendez-vous", _appointment_sql),
    ("aides numériques", _help_sql),
    ("démarches accompagnées", _help_procedure_sql),
]


def _rollup_sql(model, grain: int) -> str:
    """Roll the detail rows of the recomputed months up into ``grain`` rows of the same table: without the
    commune (``Grain.SITE``), by the commune's EPCI without the commune nor the site (``Grain.EPCI``: an unknown
    commune gives an unknown EPCI), or by commune and programme only (``Grain.COMMUNE``, other dimensions empty)."""
    fields = {f.name: f for f in model._meta.concrete_fields}
    dims = [f.column for name, f in fields.items() if name not in ROLLUP_FIXED]
    measures = [f.column for name, f in fields.items() if name in MEASURES]
    source, territory_value = f"{_t(model)} f", None
    if grain == Grain.SITE:
        territory, keys, values = "site_id", dims, dims
    elif grain == Grain.EPCI:
        territory, keys, values = "epci_id", dims, dims
        source += f" LEFT JOIN {_t(Commune)} com ON com.code = f.commune_id"
        territory_value = "com.epci_id"
    else:
        territory, keys = "commune_id", [d for d in dims if d == "programme"]
        values = [d if d in keys else ("0" if d == "days" else "''") for d in dims]
    territory_value = territory_value or f"f.{territory}"
    sums = ", ".join(f"sum(f.{m})" for m in measures)
    values = [v if v in ("0", "''") else f"f.{v}" for v in values]
    # Written in the order of the territory: one territory's rows share a few pages, read at once when filtered.
    return f"""
        INSERT INTO {_t(model)} (grain, month, {territory}, {", ".join([*dims, *measures])})
        SELECT {int(grain)}, f.month, {territory_value}, {", ".join([*values, sums])}
        FROM {source}
        WHERE f.grain = {int(Grain.DETAIL)} AND f.month >= %(month)s
        GROUP BY f.month, {", ".join([territory_value, *(f"f.{k}" for k in keys)])}
        ORDER BY {territory_value}, f.month"""  # noqa: S608 — names from the models


def rollup_grains(model) -> tuple[int, ...]:
    """The coarser grains ``model``'s detail is rolled up into."""
    return (Grain.SITE, Grain.EPCI, *((Grain.COMMUNE,) if model in COMMUNE_GRAIN_MODELS else ()))


def _rollups(start: datetime.date | None) -> int:
    rows = 0
    with connection.cursor() as cursor:
        for model in FACTS:
            for grain in rollup_grains(model):
                cursor.execute(_rollup_sql(model, grain), {"month": start or datetime.date(1900, 1, 1)})
                rows += max(cursor.rowcount, 0)
    return rows


def open_cutoff(today: datetime.date | None = None) -> datetime.date:
    """First day of the oldest open month: months before it are frozen after a refresh."""
    today = today or timezone.localdate()
    months = int(getattr(settings, "OBSERVATOIRE_OPEN_MONTHS", 3))
    index = today.year * 12 + today.month - 1 - (months - 1)
    return datetime.date(index // 12, index % 12 + 1, 1)


def first_open_month() -> datetime.date | None:
    """The first month the refresh recomputes (the month after the last frozen one), None = every month."""
    last = FrozenMonth.objects.order_by("-month").values_list("month", flat=True).first()
    if last is None:
        return None
    index = last.year * 12 + last.month
    return datetime.date(index // 12, index % 12 + 1, 1)


def _start_instant(month: datetime.date | None) -> datetime.datetime:
    if month is None:
        return datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC)
    return timezone.make_aware(datetime.datetime.combine(month, datetime.time.min))


def _freeze(cutoff: datetime.date) -> None:
    """Freeze every month before ``cutoff`` from the oldest fact on (contiguous: frozen months are a prefix)."""
    oldest = " UNION ALL ".join(f"SELECT min(month) AS m FROM {_t(model)}" for model in FACTS)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {_t(FrozenMonth)} (month, frozen_at)
            SELECT g::date, now() FROM generate_series(
                (SELECT min(m) FROM ({oldest}) AS oldest), %(cutoff)s::date - interval '1 month', interval '1 month'
            ) AS g
            ON CONFLICT (month) DO NOTHING""",  # noqa: S608
            {"cutoff": cutoff},
        )


def refresh(*, rebuild: bool = False, progress: Callable[[str, int, int], None] | None = None) -> RefreshRun:
    """Recompute the open months of every summary table from the live data, then freeze the closed months.

    One transaction: readers see the old figures until the new ones are all there. ``progress(step, done,
    total)`` is called after each source. Returns the finished ``RefreshRun`` (its ``rows`` = cells written).
    A failure is recorded on a ``RefreshRun`` of its own (outside the rolled-back transaction) and re-raised.
    """
    began = time.monotonic()
    run = RefreshRun.objects.create()
    try:
        with transaction.atomic():
            rows = _refresh_in_transaction(run, rebuild=rebuild, progress=progress)
    except Exception as error:
        RefreshRun.objects.filter(pk=run.pk).update(
            status=RefreshRun.Status.FAILED, finished_at=timezone.now(), error=type(error).__name__[:255]
        )
        raise
    run.status, run.rows = RefreshRun.Status.DONE, rows
    run.finished_at, run.seconds = timezone.now(), round(time.monotonic() - began, 3)
    run.save(update_fields=["status", "rows", "finished_at", "seconds", "first_month"])
    return run


def _refresh_in_transaction(run, *, rebuild, progress) -> int:
    # One refresh at a time: a second one waits (the scheduler and a manual command may overlap).
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('observatoire.refresh'))")
    if rebuild:
        FrozenMonth.objects.all().delete()
    start = first_open_month()
    run.first_month = start
    params = {"tz": settings.TIME_ZONE, "start": _start_instant(start)}
    for model in FACTS:
        (model.objects.filter(month__gte=start) if start else model.objects.all()).delete()
    rows = 0
    for done, (label, sql) in enumerate(STEPS, start=1):
        with connection.cursor() as cursor:
            cursor.execute(sql(), params)
            rows += max(cursor.rowcount, 0)
        if progress:
            progress(label, done, len(STEPS))
    rows += _rollups(start)
    # A snapshot, not a flow: the current month's state of the rights batch's non-recours (earlier months kept).
    rows += nonrecours_refresh(month=timezone.localdate().replace(day=1))
    _freeze(open_cutoff())
    return rows
