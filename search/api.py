"""``GET /api/v1/search`` (mounted on ``config.api.api``): the back office's search for API clients.

Same service, so the same permission filter inside the query, the same ranking (exact identifiers
first) and one ``SEARCH_QUERY`` access-log row per call (without the query text). Bad parameters
are 422s with French messages (the API's handler); a caller with no search right gets 404.
"""

from __future__ import annotations

from typing import Literal

from django.http import Http404
from ninja import Field, Query, Router, Schema

from grc import perms
from grc.schemas import MessageOut, ValidationErrorOut

from .registry import url_for
from .service import search_for

router = Router(tags=["recherche"])

Kind = Literal["citizen", "file", "note", "request", "mail"]


class SearchParams(Schema):
    q: str = Field(..., min_length=1, max_length=200, description="Texte, nom, date de naissance, code…")
    type: Kind | None = Field(None, description="Un seul type de résultat")
    programme: str = Field("", max_length=20)
    status: str = Field("", max_length=30)
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=10_000)


class HitOut(Schema):
    type: str
    id: int
    title: str
    subtitle: str
    highlight: str = Field(description="Extrait en HTML échappé ; les mots trouvés sont entre <mark>")
    exact: bool
    score: float
    url: str


class SearchOut(Schema):
    total: int
    total_is_lower_bound: bool
    facets: dict[str, dict[str, int]]
    results: list[HitOut]


@router.get("/search", response={200: SearchOut, 401: MessageOut, 404: MessageOut, 422: ValidationErrorOut})
def search(request, params: Query[SearchParams]):
    """Search everything the caller may see: citizens, social files, notes, requests, mail items."""
    user = request.auth
    if not perms.can_search_citizens(user):
        raise Http404
    results = search_for(
        user=user,
        q=params.q,
        kinds=[params.type] if params.type else None,
        programme=params.programme,
        status=params.status,
        limit=params.limit,
        offset=params.offset,
        request=request,
    )
    return {
        "total": results.total,
        "total_is_lower_bound": results.capped,
        "facets": results.facets,
        "results": [
            {
                "type": h.kind,
                "id": h.object_id,
                "title": h.title,
                "subtitle": h.subtitle,
                "highlight": h.highlight,
                "exact": h.exact,
                "score": h.score,
                "url": url_for(h.kind, h.object_id),
            }
            for h in results.hits
        ],
    }
