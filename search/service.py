"""The search service: what the back office and the API call.

``search_for`` computes the user's scope (``search.scope``), asks the configured backend (the
permission filter is part of the backend's query) and writes one access-log row
(``SEARCH_QUERY``) per search. That row does **not** hold the typed text: names, birth dates and
NIRs are personal data the DPO does not need to read back. It holds the kinds searched, the number
of results, whether an exact identifier was typed, and a keyed hash (HMAC-SHA256 with
``SEARCH_LOG_HASH_KEY``, by default ``SECRET_KEY``) of the normalised query — enough to see that the
same query was repeated, or to check a given query against the log when a DPO investigates,
without making the text readable from the log.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.core.exceptions import PermissionDenied

from grc.audit.models import AccessLog
from grc.audit.services import access_log_write

from . import registry
from .backends import get_backend
from .query import MAX_LIMIT, MAX_QUERY_LENGTH, Results, SearchQuery
from .scope import scope_for


def query_hash(text: str) -> str:
    key = (getattr(settings, "SEARCH_LOG_HASH_KEY", "") or settings.SECRET_KEY).encode()
    normalised = " ".join((text or "").lower().split())
    return hmac.new(key, normalised.encode(), hashlib.sha256).hexdigest()[:32]


def search_for(
    *,
    user,
    q: str,
    kinds=None,
    programme: str = "",
    status: str = "",
    limit: int = 20,
    offset: int = 0,
    request=None,
    log: bool = True,
    backend=None,
) -> Results:
    """What ``user`` may see that matches ``q``, best first (exact identifiers before full text).

    A user with no search right gets no results (and nothing logged); a user's scope is read at
    query time, so a membership that ended yesterday opens nothing today.
    """
    every = registry.kinds()
    kinds = tuple(k for k in (kinds or every) if k in every) or every
    scope = scope_for(user)
    query = SearchQuery(
        scope=scope,
        text=(q or "")[:MAX_QUERY_LENGTH],
        kinds=kinds,
        filters={k: v for k, v in (("programme", programme), ("status", status)) if v},
        limit=max(1, min(limit, MAX_LIMIT)),
        offset=max(0, offset),
    )
    results = (backend or get_backend()).query(query)
    if log and not scope.is_empty and (q or "").strip():
        access_log_write(
            actor=user,
            action=AccessLog.Action.SEARCH_QUERY,
            object_type="search",
            object_id=query_hash(q),
            purpose=_log_purpose(kinds, results, exact=bool(query.parsed.codes)),
            request=request,
        )
    return results


def _log_purpose(kinds, results: Results, *, exact: bool) -> str:
    kind_part = "tout" if set(kinds) >= set(registry.kinds()) else ",".join(kinds)
    more = "+" if results.capped else ""
    return f"recherche [{kind_part}] : {results.total}{more} résultat(s){' ; identifiant exact' if exact else ''}"


def open_result(*, user, kind: str, object_id: int, request=None) -> str:
    """Log that ``user`` opened a search result and return the object's page.

    The result must be one the user may see *now* (same filter as the search, not a trusted URL
    parameter): otherwise ``PermissionDenied`` — the view answers 404. The object's own page then
    checks again and logs its read as usual.
    """
    if kind not in registry.kinds():
        raise PermissionDenied
    backend = get_backend()
    scope = scope_for(user)
    if scope.is_empty or not backend_visible(backend, scope, kind, object_id):
        raise PermissionDenied
    url = registry.url_for(kind, object_id)
    if not url:
        raise PermissionDenied
    citizen_id = registry.citizen_of(kind, object_id)
    access_log_write(
        actor=user,
        action=AccessLog.Action.SEARCH_RESULT_OPEN,
        citizen=citizen_id,
        object_type=registry.document_type(kind).model._meta.label_lower,
        object_id=object_id,
        purpose="ouverture d'un résultat de recherche",
        request=request,
    )
    return url


def backend_visible(backend, scope, kind: str, object_id: int) -> bool:
    return backend.visible(scope, kind, object_id)
