"""Where a declared point lies (works of an L49 declaration, an arrêté de voirie): inside Ille-et-Vilaine,
in which commune. Public reference data (``grc.Commune`` boundaries): nothing personal, no access log.

The boundaries are simplified (about 150 m), so a point is accepted within ``TOLERANCE_DEGREES`` of the
département or of the commune typed. The shapes are built once per process and rebuilt when the
reference is loaded again (its count of communes with a boundary changes).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import shapely
from shapely.geometry import Point, shape
from shapely.ops import unary_union

from grc.matching.names import fold
from grc.models import Commune

# About 500 m: more than the simplification of the boundaries, less than a commune's width.
TOLERANCE_DEGREES = 0.005


@dataclass(frozen=True)
class _Shapes:
    version: tuple
    communes: dict  # code -> (name, prepared geometry)
    by_name: dict  # folded name -> code
    departement: object


_lock = threading.Lock()
_cache: dict[str, _Shapes] = {}


def _version() -> tuple:
    # The boundaries change only when the reference is loaded again (``grc.services.territory``).
    return (Commune.objects.exclude(boundary=None).count(),)


def _shapes() -> _Shapes:
    version = _version()
    cached = _cache.get("shapes")
    if cached is not None and cached.version == version:
        return cached
    with _lock:
        communes, by_name, parts = {}, {}, []
        for code, name, boundary in Commune.objects.exclude(boundary=None).values_list("code", "name", "boundary"):
            geometry = shape(boundary).buffer(0)
            shapely.prepare(geometry)
            communes[code] = (name, geometry)
            by_name[fold(name)] = code
            parts.append(geometry)
        departement = unary_union(parts).buffer(TOLERANCE_DEGREES) if parts else None
        if departement is not None:
            shapely.prepare(departement)
        cached = _Shapes(version=version, communes=communes, by_name=by_name, departement=departement)
        _cache["shapes"] = cached
    return cached


def in_departement(*, latitude: float, longitude: float) -> bool:
    """Whether the point is in Ille-et-Vilaine (within the tolerance of its boundary)."""
    shapes = _shapes()
    return shapes.departement is not None and shapes.departement.contains(Point(longitude, latitude))


def commune_named(name: str) -> str | None:
    """The INSEE code of the commune of that name (accents, case and hyphens ignored), or None."""
    return _shapes().by_name.get(fold(name or ""))


def commune_at(*, latitude: float, longitude: float) -> str | None:
    """The name of the commune the point lies in, or None."""
    point = Point(longitude, latitude)
    for name, geometry in _shapes().communes.values():
        if geometry.contains(point):
            return name
    return None


def point_in_commune(*, latitude: float, longitude: float, code: str) -> bool:
    """Whether the point lies in commune ``code``, within the tolerance of its boundary."""
    entry = _shapes().communes.get(code)
    return entry is not None and entry[1].dwithin(Point(longitude, latitude), TOLERANCE_DEGREES)
