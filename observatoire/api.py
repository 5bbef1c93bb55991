"""Open data under ``/api/v1/`` (mounted in ``config.api``): the public indicators, no authentication.

The same figures as the portal's page (``observatoire.opendata``): aggregates only, statistical secrecy applied,
cached until the next refresh, Licence Ouverte 2.0.
"""

from __future__ import annotations

from ninja import Router, Schema

from .opendata import indicators

router = Router(tags=["Données ouvertes"])


class Period(Schema):
    start: str
    end: str


class Figure(Schema):
    month: str
    count: int | None
    secret: bool
    display: str


class RequestFigure(Figure):
    procedure: str


class HelpFigure(Figure):
    epci_code: str | None
    epci_name: str
    level: str
    level_label: str


class PlaceFigure(Schema):
    epci_code: str
    epci_name: str
    places: int
    population: int
    places_per_10000: float | None
    mean_distance_km: float | None
    max_distance_km: float | None


class IndicatorsOut(Schema):
    producer: str
    licence: str
    licence_url: str
    updated_at: str | None
    period: Period
    secrecy: str
    requests_per_procedure_month: list[RequestFigure]
    help_sessions_per_level_epci_month: list[HelpFigure]
    places_per_epci: list[PlaceFigure]
    notes: list[str]


@router.get("/opendata/indicators", auth=None, response=IndicatorsOut, url_name="opendata_indicators")
def opendata_indicators(request):
    """Indicateurs publics de l'observatoire (12 derniers mois complets) ; effectifs de 1 à 4 masqués ; lieux de
    médiation numérique par EPCI (état actuel de la carte)."""
    return indicators()
