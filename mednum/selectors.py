"""Reading the lieux de médiation numérique.

Lieux are public information about places (no personal data): the public selectors take no user and write no
access-log row. The back office's selectors take the user and limit what they return with ``mednum.perms``.
"""

from __future__ import annotations

import math

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from annuaire.models import Structure
from annuaire.staleness import STALE_AFTER
from grc.selectors.territory import distance_km

from .filters import LieuFilters
from .models import Lieu
from .perms import can_manage_lieux

KM_PER_DEGREE_LAT = 111.2


def lieux_published() -> QuerySet[Lieu]:
    """Every published place, with its commune (and EPCI) in the same query."""
    # The commune's boundary (~1 KB of JSON each) is for maps, never needed with a place, and the place's own map
    # feature is read alone by ``lieux_features``: neither is fetched with the objects.
    return (
        Lieu.objects.filter(published=True)
        .select_related("commune", "commune__epci")
        .defer("commune__boundary", "feature_json")
    )


def lieu_public_get(*, lieu_id: int) -> Lieu:
    """A published place, or 404 (a withdrawn place is not shown to the public)."""
    lieu = lieux_published().filter(pk=lieu_id).first()
    if lieu is None:
        raise Http404
    return lieu


def _bounding_box(qs: QuerySet[Lieu], origin: tuple[float, float], radius_km: float) -> QuerySet[Lieu]:
    # A cheap first cut on the (latitude, longitude) index (no PostGIS here); exact distances follow in Python.
    lat, lon = origin
    dlat = radius_km / KM_PER_DEGREE_LAT
    dlon = radius_km / (KM_PER_DEGREE_LAT * max(math.cos(math.radians(lat)), 0.01))
    own = Q(latitude__gte=lat - dlat, latitude__lte=lat + dlat, longitude__gte=lon - dlon, longitude__lte=lon + dlon)
    # A place without coordinates of its own stands at its commune's centre (``Lieu.point``).
    commune = Q(
        latitude__isnull=True,
        commune__latitude__gte=lat - dlat,
        commune__latitude__lte=lat + dlat,
        commune__longitude__gte=lon - dlon,
        commune__longitude__lte=lon + dlon,
    )
    return qs.filter(own | commune)


def lieux_filtered(*, filters: LieuFilters) -> QuerySet[Lieu]:
    """Published places matching the filters other than the radius (services, frais, publics, EPCI, commune)."""
    qs = lieux_published()
    if filters.services:
        qs = qs.filter(services__overlap=filters.services)
    if filters.frais:
        qs = qs.filter(frais_a_charge__overlap=filters.frais)
    if filters.publics:
        qs = qs.filter(publics_specifiquement_adresses__overlap=filters.publics)
    if filters.epci is not None:
        qs = qs.filter(commune__epci=filters.epci)
    if filters.commune is not None and filters.radius_km is None:
        qs = qs.filter(commune=filters.commune)
    return qs.order_by("nom")


def _matching(filters: LieuFilters) -> tuple[QuerySet[Lieu], tuple[float, float] | None]:
    qs = lieux_published()
    if filters.services:
        qs = qs.filter(services__overlap=filters.services)
    if filters.frais:
        qs = qs.filter(frais_a_charge__overlap=filters.frais)
    if filters.publics:
        qs = qs.filter(publics_specifiquement_adresses__overlap=filters.publics)
    if filters.epci is not None:
        qs = qs.filter(commune__epci=filters.epci)
    origin = None
    if filters.commune is not None and filters.commune.latitude is not None:
        origin = (filters.commune.latitude, filters.commune.longitude)
    if filters.commune is not None and (filters.radius_km is None or origin is None):
        qs = qs.filter(commune=filters.commune)
    elif filters.radius_km is not None and origin is not None:
        qs = _bounding_box(qs, origin, filters.radius_km)
    return qs, origin


def lieux_search(*, filters: LieuFilters) -> list[tuple[Lieu, float | None]]:
    """Published places matching ``filters``, each with its distance (km) from the chosen commune.

    With a radius, places within that distance of the commune's centre, nearest first; with a commune and no
    radius, the places of that commune; with an EPCI, the places of its communes. Otherwise by name.
    """
    qs, origin = _matching(filters)
    rows = [(lieu, distance_km(origin, lieu.point) if origin else None) for lieu in qs.order_by("nom")]
    if filters.radius_km is not None and origin is not None:
        rows = [(lieu, d) for lieu, d in rows if d is not None and d <= filters.radius_km]
        rows.sort(key=lambda row: row[1])
    return rows


def lieux_features(*, filters: LieuFilters) -> list[str]:
    """The map features (``Lieu.feature_json``, JSON text) of the places ``lieux_search`` finds, in its order:
    one narrow query, no object built (the map's data at 450 places is their concatenation)."""
    qs, origin = _matching(filters)
    qs = qs.exclude(feature_json="").order_by("nom")
    if filters.radius_km is None or origin is None:
        return list(qs.values_list("feature_json", flat=True))
    rows = []
    for text, lat, lon, commune_lat, commune_lon in qs.values_list(
        "feature_json", "latitude", "longitude", "commune__latitude", "commune__longitude"
    ):
        point = (lat, lon) if lat is not None and lon is not None else (commune_lat, commune_lon)
        if point[0] is None:
            continue
        distance = distance_km(origin, point)
        if distance <= filters.radius_km:
            rows.append((distance, text))
    rows.sort(key=lambda row: row[0])  # stable: equal distances keep the order by name, as lieux_search
    return [text for _distance, text in rows]


def lieux_for_management(*, user, status: str = "") -> QuerySet[Lieu]:
    """Every place, withdrawn ones included, for the Info sociale team (``mednum.perms.can_manage_lieux``).

    ``status``: ``published``, ``withdrawn``, ``stale`` (not updated for 12 months) or empty for all. Others: 404.
    """
    if not can_manage_lieux(user):
        raise Http404
    qs = Lieu.objects.select_related("commune", "structure").defer("commune__boundary").order_by("nom")
    if status == "published":
        qs = qs.filter(published=True)
    elif status == "withdrawn":
        qs = qs.filter(published=False)
    elif status == "stale":
        qs = qs.filter(updated_at__lt=timezone.now() - STALE_AFTER)
    return qs


def lieu_for_management(*, user, lieu_id: int) -> Lieu:
    """One place (published or not) for the Info sociale team; 404 for others or an unknown id."""
    lieu = lieux_for_management(user=user).filter(pk=lieu_id).first()
    if lieu is None:
        raise Http404
    return lieu


def structure_for_proposal(raw) -> Structure | None:
    """The annuaire structure a new place is proposed for (``?structure=<id>``), or ``None``."""
    return Structure.objects.filter(pk=int(raw)).first() if str(raw or "").isdigit() and len(str(raw)) < 12 else None
