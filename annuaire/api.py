"""The annuaire under ``/api/v1/annuaire/`` (mounted in ``config.api``): public, cached, Licence Ouverte 2.0.

Paged as data·inclusion pages its own API: ``{items, total, page, size, pages}`` with ``page`` (from 1) and
``size`` (1 to 1000); items are data·inclusion v1 ``Structure`` / ``Service`` dictionaries. The search answers
``{service, distance}`` items (kilometres, great-circle from the commune's centre), nearest first. Answers are
cached per version of the annuaire (``annuaire.cache``: any publication or import starts a new version).
"""

from __future__ import annotations

import math

from django.http import JsonResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import ValidationError as NinjaValidationError

from grc.schemas import MessageOut, ValidationErrorOut
from grc.selectors.territory import commune_get

from . import cache, dataformat, schema
from .export import LICENCE
from .selectors import services_public, services_search, structures_public

router = Router(tags=["Annuaire social"])

MAX_SIZE = 1000
CACHE_CONTROL = "public, max-age=300"
THEMATIQUES = frozenset(member.value for member in schema.Thematique) | frozenset(c.value for c in schema.Categorie)
PUBLICS = frozenset(member.value for member in schema.Public)
FRAIS = frozenset(member.value for member in schema.Frais)
ERRORS = {400: MessageOut, 422: ValidationErrorOut}


class PageQuery(Schema):
    page: int = Field(1, ge=1, le=100_000, description="Numéro de page (à partir de 1).")
    size: int = Field(100, ge=1, le=MAX_SIZE, description="Éléments par page (1 à 1000).")


class PageOut(Schema):
    items: list[dict]
    total: int
    page: int
    size: int
    pages: int


class SearchQuery(PageQuery):
    code_commune: str | None = Field(None, description="Code INSEE de la commune d'origine.", max_length=5)
    rayon_km: float = Field(10, gt=0, le=200, description="Rayon de recherche en kilomètres (au plus 200).")
    thematiques: list[str] = Field(default_factory=list, description="Thématiques (ou catégories), au moins une.")
    publics: list[str] = Field(default_factory=list)
    frais: str | None = None


def _page(rows, *, page: int, size: int, convert) -> dict:
    total = rows.count() if hasattr(rows, "count") and not isinstance(rows, list) else len(rows)
    start = (page - 1) * size
    return {
        "items": [convert(row) for row in rows[start : start + size]],
        "total": total,
        "page": page,
        "size": size,
        "pages": math.ceil(total / size) if total else 0,
    }


def _answer(data: dict) -> JsonResponse:
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = CACHE_CONTROL
    response["X-Licence"] = LICENCE
    return response


def _split(values: list[str]) -> list[str]:
    return sorted({part.strip() for value in values for part in value.split(",") if part.strip()})


@router.get("/annuaire/structures", auth=None, response={200: PageOut, **ERRORS}, url_name="annuaire_structures")
def annuaire_structures(request, params: Query[PageQuery]):
    """Structures de l'annuaire social (schéma data·inclusion v1), par identifiant."""
    key = f"structures:{params.page}:{params.size}"
    rows = structures_public().order_by("di_id")
    return _answer(
        cache.cached(key, lambda: _page(rows, page=params.page, size=params.size, convert=dataformat.structure_to_di))
    )


@router.get("/annuaire/services", auth=None, response={200: PageOut, **ERRORS}, url_name="annuaire_services")
def annuaire_services(request, params: Query[PageQuery]):
    """Services de l'annuaire social (schéma data·inclusion v1), par identifiant."""
    key = f"services:{params.page}:{params.size}"
    rows = services_public().order_by("di_id")
    return _answer(
        cache.cached(key, lambda: _page(rows, page=params.page, size=params.size, convert=dataformat.service_to_di))
    )


def _refuse(parameter: str, message: str):
    """A 422 shaped like every other invalid input (a list of errors, each with its ``query`` location)."""
    raise NinjaValidationError(
        [{"type": "value_error", "loc": ("query", parameter), "msg": message, "ctx": {"error": message}}]
    )


def search_arguments(params) -> dict:
    """The search's filters checked (422 in French), as ``selectors.services_search`` takes them."""
    thematiques, publics = _split(params.thematiques), _split(params.publics)
    unknown = sorted(set(thematiques) - THEMATIQUES) + sorted(set(publics) - PUBLICS)
    if unknown:
        _refuse(
            "thematiques" if set(thematiques) - THEMATIQUES else "publics",
            _("Valeurs inconnues : %(values)s.") % {"values": ", ".join(unknown)},
        )
    if params.frais and params.frais not in FRAIS:
        _refuse("frais", _("Frais inconnus : %(value)s.") % {"value": params.frais})
    origin = None
    if params.code_commune:
        origin = commune_get(params.code_commune)
        if origin is None:
            _refuse("code_commune", _("Commune inconnue : %(code)s.") % {"code": params.code_commune})
    return {
        "thematiques": thematiques,
        "publics": publics,
        "frais": params.frais or "",
        "origin": origin,
        "radius_km": params.rayon_km if origin is not None else None,
        "limit": None,
    }


@router.get(
    "/annuaire/search/services", auth=None, response={200: PageOut, **ERRORS}, url_name="annuaire_search_services"
)
def annuaire_search_services(request, params: Query[SearchQuery]):
    """Recherche de services par thématique, public et frais, autour d'une commune (rayon en km), du plus
    proche au plus lointain."""
    arguments = search_arguments(params)
    key = "search:" + request.GET.urlencode()

    def build():
        hits = services_search(**arguments)
        return _page(
            hits,
            page=params.page,
            size=params.size,
            convert=lambda hit: {"service": dataformat.service_to_di(hit.service), "distance": hit.distance_km},
        )

    return _answer(cache.cached(key, build))
