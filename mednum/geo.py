"""GeoJSON for the maps: the lieux as points, and the boundaries of the communes and EPCI of the Département.

Each answer is built once, gzipped once and cached (public data, identical for everyone); the cache key carries
what would change it (the lieux's last update and count, the communes' count), so every server process sees a
new version at once without any invalidation message. Coordinates are rounded to 5 decimals (about 1 m) for
points and boundaries come from the reference at 4 decimals (about 10 m): plenty for a map, a third of the bytes.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Max
from django.http import HttpResponse, HttpResponseNotModified
from shapely.geometry import mapping, shape
from shapely.ops import unary_union

from grc.models import Commune, Epci

from .filters import LieuFilters
from .models import Lieu
from .selectors import lieux_features
from .services import lieu_features_fill

CACHE_SECONDS = 3600
BROWSER_CACHE_SECONDS = 300


@dataclass(frozen=True)
class Payload:
    body: bytes
    gzipped: bytes
    etag: str


def _payload(data: dict) -> Payload:
    return _payload_bytes(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode())


def _payload_bytes(body: bytes) -> Payload:
    return Payload(body=body, gzipped=gzip.compress(body, 6), etag=hashlib.sha256(body).hexdigest()[:32])


def _cached(key: str, build) -> Payload:
    payload = cache.get(key)
    if payload is None:
        payload = _payload(build())
        cache.set(key, payload, CACHE_SECONDS)
    return payload


def geojson_response(request, payload: Payload) -> HttpResponse:
    """The payload gzipped when the client accepts it (the site has no gzip middleware), with an ETag."""
    etag = f'"{payload.etag}"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    elif "gzip" in request.headers.get("Accept-Encoding", ""):
        response = HttpResponse(payload.gzipped, content_type="application/geo+json")
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(payload.body, content_type="application/geo+json")
    response["ETag"] = etag
    response["Vary"] = "Accept-Encoding"
    response["Cache-Control"] = f"public, max-age={BROWSER_CACHE_SECONDS}"
    response["Access-Control-Allow-Origin"] = "*"  # open data (Licence Ouverte 2.0): any site may read it
    return response


def lieu_kind(lieu: Lieu) -> str:
    """A short label for a place on the map: its national programme if any, else « Lieu de médiation numérique »."""
    return lieu.kind


def lieu_feature(lieu: Lieu) -> dict | None:
    """One place as a GeoJSON point (``Lieu.feature``)."""
    return lieu.feature()


def _lieux_version() -> str:
    # ``saved_at`` moves on every save of a place (a withdrawal too); the count catches a deletion.
    state = Lieu.objects.aggregate(last=Max("saved_at"), n=Count("id"))
    return f"{state['n']}-{state['last'].timestamp() if state['last'] else 0}"


HEAD = (
    '{"type":"FeatureCollection","licence":"Licence Ouverte 2.0","producer":"Département d\'Ille-et-Vilaine",'
    '"features":['
)


def lieux_geojson(*, filters: LieuFilters) -> Payload:
    """The published places matching ``filters`` as a FeatureCollection of points (cached per filter set).

    The first build after a change is a concatenation of the features each place keeps (``Lieu.feature_json``,
    written with the row), not a serialisation of hundreds of objects."""
    key = f"mednum:lieux:{_lieux_version()}:{filters.cache_key()}"
    payload = cache.get(key)
    if payload is None:
        # Rows bulk-created without their feature (the demo) changed the count, hence the key: filled here.
        lieu_features_fill()
        body = (HEAD + ",".join(lieux_features(filters=filters)) + "]}").encode()
        payload = _payload_bytes(body)
        cache.set(key, payload, CACHE_SECONDS)
    return payload


def _communes_version() -> str:
    return str(Commune.objects.count())


def communes_geojson() -> Payload:
    """The communes' boundaries (properties: INSEE code, name, EPCI SIREN)."""

    def build():
        rows = Commune.objects.exclude(boundary=None).values_list("code", "name", "epci_id", "boundary")
        return {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "geometry": geom, "properties": {"code": code, "name": name, "epci": epci}}
                for code, name, epci, geom in rows.order_by("code")
            ],
        }

    return _cached(f"mednum:communes:{_communes_version()}", build)


def _rounded(value, digits: int = 4):
    if isinstance(value, float):
        return round(value, digits)
    return [_rounded(v, digits) for v in value]


def epci_geojson() -> Payload:
    """The EPCI's boundaries: the union of their communes' polygons, simplified (about 50 m), computed once."""

    def build():
        shapes: dict[str, list] = {}
        for epci_id, geom in (
            Commune.objects.exclude(boundary=None).exclude(epci=None).values_list("epci_id", "boundary")
        ):
            shapes.setdefault(epci_id, []).append(shape(geom).buffer(0))
        names = dict(Epci.objects.values_list("code", "name"))
        features = []
        for code in sorted(shapes):
            union = unary_union(shapes[code]).simplify(0.0005, preserve_topology=True)
            geometry = mapping(union)
            geometry = {"type": geometry["type"], "coordinates": _rounded(geometry["coordinates"])}
            features.append(
                {"type": "Feature", "geometry": geometry, "properties": {"code": code, "name": names.get(code, "")}}
            )
        return {"type": "FeatureCollection", "features": features}

    return _cached(f"mednum:epci:{_communes_version()}", build)
