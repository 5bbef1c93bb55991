"""Reading the territory reference (public reference data: no access log, nothing personal).

Distances are great-circle distances between commune centroids (``latitude``/``longitude``): good enough to
order places "nearest first" inside a département; not a travel time.
"""

from __future__ import annotations

import math

from django.db.models import QuerySet

from grc.matching.names import fold
from grc.models import Commune, Site, Team

EARTH_RADIUS_KM = 6371.0088
LEADING_ARTICLES = frozenset({"LE", "LA", "LES", "L", "AUX"})


def commune_get(code: str) -> Commune | None:
    """The commune with INSEE ``code``, or ``None``."""
    return Commune.objects.select_related("epci", "cdas").filter(code=code).first()


def commune_list() -> QuerySet[Commune]:
    """Every commune of the reference, by name, with its EPCI and CDAS."""
    return Commune.objects.select_related("epci", "cdas").defer("boundary").order_by("name")


def commune_for_postcode(*, postcode: str, city: str = "") -> Commune | None:
    """The commune a postal address designates: by postcode, and by name when a postcode serves several.

    ``None`` when the postcode is not in the reference or ``city`` matches none of the communes it serves
    (a CEDEX or a typo: better no commune than a wrong sector).
    """
    postcode = (postcode or "").strip()
    candidates = list(commune_list().filter(postcodes__contains=[postcode])) if postcode else []
    if len(candidates) == 1 and not city:
        return candidates[0]
    wanted = _city_key(city)
    if not wanted:
        return candidates[0] if len(candidates) == 1 else None
    for commune in candidates or commune_list():
        if _city_key(commune.name) == wanted:
            return commune
    return None


def _city_key(name: str) -> str:
    """A commune name as written on envelopes: "ST MALO CEDEX" and "Saint-Malo" give the same key."""
    words = [w for w in fold(name).split(" ") if w and w != "CEDEX" and not w.isdigit()]
    if len(words) > 1 and words[0] in LEADING_ARTICLES:  # "Le Rheu" and "Rheu" are one commune
        words = words[1:]
    return " ".join({"ST": "SAINT", "STE": "SAINTE"}.get(w, w) for w in words)


def _coordinates(place) -> tuple[float, float] | None:
    if isinstance(place, tuple | list):
        return (float(place[0]), float(place[1])) if len(place) == 2 and None not in place else None
    if getattr(place, "latitude", None) is None or getattr(place, "longitude", None) is None:
        return None
    return place.latitude, place.longitude


def distance_km(a, b) -> float | None:
    """Great-circle distance between two communes (or ``(latitude, longitude)`` pairs); ``None`` if one is unknown."""
    first, second = _coordinates(a), _coordinates(b)
    if first is None or second is None:
        return None
    lat1, lon1, lat2, lon2 = map(math.radians, (*first, *second))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def communes_by_distance(*, origin, limit: int | None = None) -> list[tuple[Commune, float]]:
    """Communes with their distance from ``origin`` (a commune or a pair), nearest first."""
    ranked = sorted(
        ((commune, distance) for commune in commune_list() if (distance := distance_km(origin, commune)) is not None),
        key=lambda pair: pair[1],
    )
    return ranked[:limit] if limit is not None else ranked


def sector_site(*, commune: Commune | None) -> Site | None:
    """The CDAS serving ``commune`` (its sector), or ``None`` when none is set."""
    return commune.cdas if commune is not None and commune.cdas_id else None


def sector_team(*, commune: Commune | None, kind: str) -> Team | None:
    """The active team of ``kind`` (a ``Team.Kind`` value) at the CDAS serving ``commune``, or ``None``."""
    site = sector_site(commune=commune)
    if site is None:
        return None
    return Team.objects.filter(site=site, kind=kind, is_active=True).order_by("pk").first()
