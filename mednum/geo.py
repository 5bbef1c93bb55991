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
from django.urls import reverse
from django.utils.translation import gettext as _
from shapely.geometry import mapping, shape
from shapely.ops import unary_union

from grc.models import Commune, Epci

from .filters import LieuFilters
from .models import Lieu
from .selectors import lieux_search

CACHE_SECONDS = 3600
BROWSER_CACHE_SECONDS = 300
KIND_BY_PROGRAMME = ("France Services", "Conseillers numériques", "Aidants Connect")


@dataclass(frozen=True)
class Payload:
    body: bytes
    gzipped: bytes
    etag: str


def _payload(data: dict) -> Payload:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
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


def lieu_kind(lieu: Lieu, default: str | None = None) -> str:
    """A short label for a place on the map: its national programme if any, else « Lieu de médiation numérique »."""
    for programme in KIND_BY_PROGRAMME:
        if programme in lieu.dispositif_programmes_nationaux:
            return programme
    return default or _("Lieu de médiation numérique")


def lieu_feature(lieu: Lieu, *, url_pattern: str | None = None, default_kind: str | None = None) -> dict | None:
    """One place as a GeoJSON point; ``url_pattern`` and ``default_kind`` spare a reverse() and a gettext per
    place when building hundreds."""
    point = lieu.point
    if point is None:
        return None
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(point[1], 5), round(point[0], 5)]},
        "properties": {
            "id": lieu.identifier,
            "name": lieu.nom,
            "url": url_pattern.format(lieu.pk) if url_pattern else lieu.get_absolute_url(),
            "address": f"{lieu.adresse}, {lieu.code_postal} {lieu.commune.name}",
            "kind": lieu_kind(lieu, default_kind),
        },
    }


def _lieux_version() -> str:
    state = Lieu.objects.aggregate(last=Max("updated_at"), n=Count("id"))
    return f"{state['n']}-{state['last'].timestamp() if state['last'] else 0}"


def lieux_geojson(*, filters: LieuFilters) -> Payload:
    """The published places matching ``filters`` as a FeatureCollection of points (cached per filter set)."""

    def build():
        pattern = reverse("lieux:detail", args=[0]).replace("/0/", "/{}/")
        kind = _("Lieu de médiation numérique")
        rows = lieux_search(filters=filters)
        features = [f for lieu, _d in rows if (f := lieu_feature(lieu, url_pattern=pattern, default_kind=kind))]
        return {
            "type": "FeatureCollection",
            "licence": "Licence Ouverte 2.0",
            "producer": "Département d'Ille-et-Vilaine",
            "features": features,
        }

    return _cached(f"mednum:lieux:{_lieux_version()}:{filters.cache_key()}", build)


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
