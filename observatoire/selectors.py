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
TERRITORY_DIMENSION = {"agence": "site", "cdas": "site", "epci": "epci", "commune": "commune"}
# What each coarse grain holds besides the source's own dimensions (``None``: every one of them), coarsest first
# (a grain without the commune holds every other dimension; the map's grain only the commune and the programme).
# A row with its commune gives its EPCI (through the commune), so the commune grains answer an EPCI too.
GRAIN_DIMENSIONS = [
    (Grain.COMMUNE, {"month", "commune", "epci", "programme"}),
    (Grain.SITE, None),
    (Grain.EPCI, None),
]
GRAIN_TERRITORY = {Grain.SITE: {"site"}, Grain.EPCI: {"epci"}}


def _dimension(lookup: str) -> str:
    return lookup.split("__")[0].removesuffix("_id")


def fact_grain(*, model, filters: Filters, dims, programme: bool = True) -> int:
    """The coarsest grain of ``model`` holding the dimensions ``dims`` (the fields grouped by) and those the
    filters need: by commune only for a map, without the commune for a breakdown over the Département, an agence
    or a CDAS, by EPCI for a breakdown over one EPCI, the detail otherwise (one commune: few rows once filtered)."""
    needed = {"month", *(_dimension(d) for d in dims)}
    if filters.territory_kind in TERRITORY_DIMENSION and filters.territory:
        needed.add(TERRITORY_DIMENSION[filters.territory_kind])
    if programme and filters.programme:
        needed.add("programme")
    territorial = {"commune", "epci", "site"}
    for grain, holds in GRAIN_DIMENSIONS:
        if grain == Grain.COMMUNE and model not in COMMUNE_GRAIN_MODELS:
            continue
        if holds is None:
            holds = (needed - territorial) | GRAIN_TERRITORY[grain]
        if needed <= holds:
            return grain
    return Grain.DETAIL


def facts(*, user, model, filters: Filters, dims, programme: bool = True) -> QuerySet:
    """The fact rows of ``model`` in the filters (``programme=False`` for sources without a programme), at the
    coarsest grain that holds ``dims`` (the fields the caller groups by: every grain adds up to the same totals).
    ``user=PUBLIC`` for the open data, whose figures are public by decision (and protected the same way)."""
    if user is not PUBLIC:
        require_observatory(user)
    grain = fact_grain(model=model, filters=filters, dims=dims, programme=programme)
    qs = model.objects.filter(grain=grain, month__gte=filters.start, month__lte=filters.end)
    if filters.territory_kind == "epci" and filters.territory and grain == Grain.EPCI:
        qs = qs.filter(epci_id=filters.territory)
    elif filters.territory_kind == "epci" and filters.territory:
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


def sums_by(qs: QuerySet, *fields: str, measures=("count",)) -> list[tuple]:
    """``(field values…, sum of each measure…)`` rows (0 for an empty sum), ordered by the fields: one query."""
    sums = {f"sum_{m}": Sum(m) for m in measures}
    rows = qs.values(*fields).annotate(**sums).order_by(*fields).values_list(*fields, *sums)
    return [(*row[: len(fields)], *(value or 0 for value in row[len(fields) :])) for row in rows]


def filter_choices(*, user) -> dict:
    """The choices of the filter form: agences, CDAS, EPCI, communes, programmes (two small queries: the EPCI
    and the communes come from the cached territory reference)."""
    require_observatory(user)
    ref = territory_reference()
    return {
        "agence": list(Territory.objects.order_by("name").values_list("pk", "name")),
        "cdas": list(Site.objects.filter(kind=Site.Kind.CDAS).order_by("name").values_list("pk", "name")),
        "epci": list(ref["epci"].items()),
        "commune": [(code, c["name"]) for code, c in ref["communes"].items()],
        "programme": [(k, label) for k, label in Team.Kind.choices if k not in ("courrier", "dpo")],
    }


def territory_reference() -> dict:
    """Communes with EPCI, population and centre (``(lat, lon)`` or None), EPCI names, each in the order of their
    names (the database's collation): public reference data (no user), cached for an hour."""
    key = "observatoire:territory:v2"
    data = cache.get(key)
    if data is None:
        rows = Commune.objects.order_by("name").values_list(
            "code", "name", "epci_id", "population", "latitude", "longitude"
        )
        communes = {
            code: {
                "name": name,
                "epci": epci,
                "population": population or 0,
                "centre": None if latitude is None or longitude is None else (latitude, longitude),
            }
            for code, name, epci, population, latitude, longitude in rows
        }
        data = {"communes": communes, "epci": dict(Epci.objects.order_by("name").values_list("code", "name"))}
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
