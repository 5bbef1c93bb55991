"""Reads of the observatory: the summary tables filtered by period, territory and programme.

The tables hold no personal data (no access-log row is written); every read still takes the user and checks
``observatoire.perms`` (management information, not public until published as open data).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace

from django.core.cache import cache
from django.db.models import QuerySet, Sum
from django.utils import timezone

from grc.models import Commune, Epci, Site, Team, Territory

from .models import COMMUNE_GRAIN_MODELS, Grain, RefreshRun
from .perms import require_observatory


def month_add(month: datetime.date, n: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Filters:
    """What a page or an export shows: months ``start`` … ``end`` (first days, inclusive), one territory
    (``territory_kind`` agence | cdas | epci | commune and its id or code), one programme (``Team.Kind``)."""

    start: datetime.date
    end: datetime.date
    territory_kind: str = ""
    territory: str = ""
    programme: str = ""

    @classmethod
    def default(cls, today: datetime.date | None = None) -> Filters:
        """The last twelve months, current month included, the whole Département, every programme."""
        this_month = (today or timezone.localdate()).replace(day=1)
        return cls(start=month_add(this_month, -11), end=this_month)

    def without_programme(self) -> Filters:
        return replace(self, programme="")


TERRITORY_LOOKUPS = {
    "agence": "site__territory_id",
    "cdas": "site_id",
    "epci": "commune__epci_id",
    "commune": "commune_id",
}


PUBLIC = object()  # the reader of the open data: published indicators only (``observatoire.opendata``)


# The territory filter's lookups, and the fact dimension each needs.
TERRITORY_DIMENSION = {"agence": "site", "cdas": "site", "epci": "commune", "commune": "commune"}
COMMUNE_GRAIN_DIMENSIONS = {"month", "commune", "programme"}


def _dimension(lookup: str) -> str:
    return lookup.split("__")[0].removesuffix("_id")


def fact_grain(*, model, filters: Filters, dims, programme: bool = True) -> int:
    """The coarsest grain of ``model`` holding the dimensions ``dims`` (the fields grouped by) and those the
    filters need: by commune only for a map over a wide territory, without the commune for a breakdown over a
    wide territory, the detail otherwise (a commune or an EPCI: few rows once filtered)."""
    needed = {"month", *(_dimension(d) for d in dims)}
    if filters.territory_kind in TERRITORY_DIMENSION and filters.territory:
        needed.add(TERRITORY_DIMENSION[filters.territory_kind])
    if programme and filters.programme:
        needed.add("programme")
    if needed <= COMMUNE_GRAIN_DIMENSIONS and model in COMMUNE_GRAIN_MODELS:
        return Grain.COMMUNE
    return Grain.DETAIL if "commune" in needed else Grain.SITE


def facts(*, user, model, filters: Filters, dims, programme: bool = True) -> QuerySet:
    """The fact rows of ``model`` in the filters (``programme=False`` for sources without a programme), at the
    coarsest grain that holds ``dims`` (the fields the caller groups by: every grain adds up to the same totals).
    ``user=PUBLIC`` for the open data, whose figures are public by decision (and protected the same way)."""
    if user is not PUBLIC:
        require_observatory(user)
    grain = fact_grain(model=model, filters=filters, dims=dims, programme=programme)
    qs = model.objects.filter(grain=grain, month__gte=filters.start, month__lte=filters.end)
    if filters.territory_kind == "epci" and filters.territory:
        # Its communes by code (the reference is cached): the (commune, month) index, no join per fact row.
        communes = territory_reference()["communes"]
        qs = qs.filter(commune_id__in=[code for code, c in communes.items() if c["epci"] == filters.territory])
    elif filters.territory_kind in TERRITORY_LOOKUPS and filters.territory:
        qs = qs.filter(**{TERRITORY_LOOKUPS[filters.territory_kind]: filters.territory})
    if programme and filters.programme:
        qs = qs.filter(programme=filters.programme)
    return qs


def totals_by(qs: QuerySet, *fields: str, measure: str = "count") -> list[tuple]:
    """``(field values…, sum of measure)`` rows, ordered by the fields: one query."""
    rows = qs.values(*fields).annotate(n=Sum(measure)).order_by(*fields).values_list(*fields, "n")
    return [(*row[:-1], row[-1] or 0) for row in rows]


def filter_choices(*, user) -> dict:
    """The choices of the filter form: agences, CDAS, EPCI, communes, programmes (a few small queries)."""
    require_observatory(user)
    return {
        "agence": list(Territory.objects.order_by("name").values_list("pk", "name")),
        "cdas": list(Site.objects.filter(kind=Site.Kind.CDAS).order_by("name").values_list("pk", "name")),
        "epci": list(Epci.objects.order_by("name").values_list("code", "name")),
        "commune": list(Commune.objects.order_by("name").values_list("code", "name")),
        "programme": [(k, label) for k, label in Team.Kind.choices if k not in ("courrier", "dpo")],
    }


def territory_reference() -> dict:
    """Communes with EPCI and population, EPCI names: public reference data (no user), cached for an hour."""
    key = "observatoire:territory:v1"
    data = cache.get(key)
    if data is None:
        communes = {
            code: {"name": name, "epci": epci, "population": population or 0}
            for code, name, epci, population in Commune.objects.values_list("code", "name", "epci_id", "population")
        }
        data = {"communes": communes, "epci": dict(Epci.objects.values_list("code", "name"))}
        cache.set(key, data, 3600)
    return data


def commune_boundaries() -> dict[str, dict]:
    """``{INSEE code: GeoJSON geometry}`` of the communes that have one (for the server-side map), cached."""
    key = "observatoire:boundaries:v1"
    data = cache.get(key)
    if data is None:
        data = dict(Commune.objects.exclude(boundary__isnull=True).values_list("code", "boundary"))
        cache.set(key, data, 3600)
    return data


def last_refresh(*, user) -> RefreshRun | None:
    """The latest finished refresh (when the figures date from)."""
    require_observatory(user)
    return RefreshRun.objects.filter(status=RefreshRun.Status.DONE).order_by("-finished_at").first()
