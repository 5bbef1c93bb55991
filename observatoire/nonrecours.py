"""Estimated non-take-up in the observatory (issue 21): the summary of ``droits.NonRecours`` by benefit and commune.

``droits.NonRecours`` is rebuilt every night by the rights batch: one row per person and benefit estimated above
zero that the household neither receives, nor asked for, nor is accompanied for. The observatory's refresh copies
its state into ``NonRecoursFact`` with one ``INSERT … SELECT … GROUP BY`` (the current month's rows are rewritten,
earlier months keep the state of their last refresh): how many people, and the sum of the estimated monthly
amounts, by benefit and commune of the recorded housing, with the commune's EPCI and CDAS sector. No citizen id,
no file id, no amount of anyone: counts and sums only, shown through the secrecy rule (``observatoire.blocks``).
"""

from __future__ import annotations

import datetime

from django.db import connection
from django.db.models import QuerySet, Subquery, Sum

from droits.models import NonRecours
from grc.models import Commune

from .models import NonRecoursFact
from .perms import require_observatory
from .selectors import PUBLIC, Filters

# The territory filter on the fact's own columns (EPCI and CDAS sector are written beside the commune).
TERRITORY = {"agence": "site__territory_id", "cdas": "site_id", "epci": "epci_id", "commune": "commune_id"}


def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _column(model, name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


def refresh_sql() -> str:
    """The current month's snapshot: people (distinct) and amounts by commune and benefit."""
    nr_commune, nr_citizen = _column(NonRecours, "commune"), _column(NonRecours, "citizen")
    nr_benefit, nr_amount = _column(NonRecours, "benefit"), _column(NonRecours, "monthly_amount")
    com_code, com_epci, com_cdas = _column(Commune, "code"), _column(Commune, "epci"), _column(Commune, "cdas")
    return f"""
        INSERT INTO {_t(NonRecoursFact)} (month, commune_id, epci_id, site_id, benefit, count, amount)
        SELECT %(month)s, com.{com_code}, com.{com_epci}, com.{com_cdas}, nr.{nr_benefit},
               count(DISTINCT nr.{nr_citizen}), round(coalesce(sum(nr.{nr_amount}), 0))::bigint
        FROM {_t(NonRecours)} nr
        LEFT JOIN {_t(Commune)} com ON com.{com_code} = nr.{nr_commune}
        GROUP BY com.{com_code}, com.{com_epci}, com.{com_cdas}, nr.{nr_benefit}
        ORDER BY com.{com_code}, nr.{nr_benefit}"""  # noqa: S608 — names from the models, no input


def nonrecours_refresh(*, month: datetime.date) -> int:
    """Rewrite the snapshot of ``month`` (a first day) from ``droits.NonRecours``; returns the cells written.

    Runs inside the observatory refresh's transaction (``observatoire.refresh``): idempotent, a second run the
    same month writes the same rows."""
    NonRecoursFact.objects.filter(month=month).delete()
    with connection.cursor() as cursor:
        cursor.execute(refresh_sql(), {"month": month})
        return max(cursor.rowcount, 0)


def _filtered(filters: Filters) -> QuerySet[NonRecoursFact]:
    qs = NonRecoursFact.objects.filter(month__gte=filters.start, month__lte=filters.end)
    if filters.territory_kind in TERRITORY and filters.territory:
        qs = qs.filter(**{TERRITORY[filters.territory_kind]: filters.territory})
    return qs


def nonrecours_figures(*, user, filters: Filters) -> dict:
    """The latest snapshot within the period and territory of ``filters``: ``{"month", "benefits": [(code,
    people, euros)], "communes": [(code or None, people)]}``, from one grouped query (the month is a subquery).
    Raw counts: callers protect them (``observatoire.blocks.nonrecours_blocks``). ``user=PUBLIC`` for open data."""
    if user is not PUBLIC:
        require_observatory(user)
    qs = _filtered(filters)
    latest = qs.order_by("-month").values("month")[:1]
    rows = list(
        qs.filter(month=Subquery(latest))
        .values("month", "benefit", "commune_id")
        .annotate(n=Sum("count"), euros=Sum("amount"))
        .order_by("benefit", "commune_id")
        .values_list("month", "benefit", "commune_id", "n", "euros")
    )
    benefits: dict[str, list[int]] = {}
    communes: dict[str | None, int] = {}
    for _month, benefit, commune, n, euros in rows:
        totals = benefits.setdefault(benefit, [0, 0])
        totals[0] += n or 0
        totals[1] += euros or 0
        communes[commune] = communes.get(commune, 0) + (n or 0)
    return {
        "month": rows[0][0] if rows else None,
        "benefits": [(code, n, euros) for code, (n, euros) in benefits.items()],
        "communes": list(communes.items()),
    }
