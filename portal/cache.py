"""The anonymous page cache of the portal: home, catalogue, content and procedure pages served from a cache.

Why: a Wagtail page costs a dozen queries and a template render, the same for every anonymous
visitor, while a plain Django view answers several times faster (``bench/portal.py``). The rendered
page is kept in the ``portal_pages`` cache (a file cache by default, shared by every worker process
of a server: ``PORTAL_PAGE_CACHE_URL``) for ``PORTAL_PAGE_CACHE_SECONDS``.

What is served from the cache, and to whom — never to anyone who could see something personal:

- only GET requests without a query string (the catalogue's search is computed each time: an
  unbounded set of keys would let anyone fill the cache);
- only visitors who carry **no session cookie and no messages cookie**: a logged-in citizen or agent
  always has a session, so their pages are rendered for them and never stored;
- only responses that come back 200, from a portal page (flagged by ``mark_portal_page``, a Wagtail
  ``before_serve_page`` hook), rendered for an anonymous user, setting no cookie.

Every stored page carries an ``ETag`` and a ``Last-Modified`` (answered 304 when the browser has
it), ``Cache-Control: no-cache`` (the browser asks again each time, cheaply) and ``Vary: Cookie``.
Portal pages rendered for a visitor with a session get ``Cache-Control: private, no-cache``: no
shared cache between them and the Département may keep them.

The whole cache is emptied, once the transaction commits, whenever a page is saved, published,
unpublished, moved or deleted, and whenever a theme, a featured procedure or a site changes
(``portal.apps``): content changes are rare, a cleared cache refills on the next visit.

The middleware sits right after the request-id and input checks, before sessions: a page served
from the cache touches neither the session table nor the database.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date

CACHE_ALIAS = "portal_pages"
HIT_HEADER = "X-Portal-Cache"
# Headers a stored page keeps (the inner middlewares' security headers among them); the outer
# middlewares (request id, HSTS...) add theirs to each response as usual.
_NOT_STORED = {"set-cookie", "content-length", "etag", "last-modified", "cache-control", HIT_HEADER.lower()}


def mark_portal_page(*, request, page) -> None:
    """Flag ``request`` as serving a portal page (the Wagtail hook ``before_serve_page`` calls it)."""
    request.portal_page_modified = page.last_published_at or page.latest_revision_created_at


def _enabled() -> bool:
    return bool(getattr(settings, "PORTAL_PAGE_CACHE_SECONDS", 0))


def _may_use_cache(request) -> bool:
    """Nothing about this visitor could be personal: GET, no query string, no session or messages cookie."""
    return (
        request.method == "GET"
        and not request.META.get("QUERY_STRING")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


def _key(request) -> str:
    raw = f"{request.scheme}://{request.get_host()}{request.path}"
    return "page:" + hashlib.sha256(raw.encode()).hexdigest()


def _storable(request, response) -> bool:
    user = getattr(request, "user", None)
    return (
        hasattr(request, "portal_page_modified")
        and response.status_code == 200
        and not response.streaming
        and not response.cookies
        and (user is None or not user.is_authenticated)
        and "private" not in response.get("Cache-Control", "")
        and "no-store" not in response.get("Cache-Control", "")
    )


def _validators(response, *, etag: str, modified) -> None:
    response["ETag"] = etag
    if modified is not None:
        response["Last-Modified"] = http_date(modified.timestamp())
    patch_cache_control(response, no_cache=True)
    patch_vary_headers(response, ("Cookie",))


def _entry(request, response) -> dict:
    content = response.content
    return {
        "content": content,
        "headers": [(k, v) for k, v in response.items() if k.lower() not in _NOT_STORED],
        "etag": '"' + hashlib.sha256(content).hexdigest()[:32] + '"',
        "modified": request.portal_page_modified,
    }


def _from_entry(request, entry: dict):
    response = HttpResponse(entry["content"])
    for name, value in entry["headers"]:
        response[name] = value
    response[HIT_HEADER] = "hit"
    _validators(response, etag=entry["etag"], modified=entry["modified"])
    last_modified = int(entry["modified"].timestamp()) if entry["modified"] else None
    # 304 when the browser already holds this version (If-None-Match / If-Modified-Since).
    return get_conditional_response(request, etag=entry["etag"], last_modified=last_modified, response=response)


class PortalPageCacheMiddleware:
    """Serve anonymous portal pages from the cache; mark personal ones private (module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        cacheable = _enabled() and _may_use_cache(request)
        if cacheable:
            entry = caches[CACHE_ALIAS].get(_key(request))
            if entry is not None:
                return _from_entry(request, entry)
        response = self.get_response(request)
        if not hasattr(request, "portal_page_modified"):
            return response
        if cacheable and _storable(request, response):
            entry = _entry(request, response)
            caches[CACHE_ALIAS].set(_key(request), entry, settings.PORTAL_PAGE_CACHE_SECONDS)
            response[HIT_HEADER] = "miss"
            _validators(response, etag=entry["etag"], modified=entry["modified"])
        else:
            # Rendered for this visitor (a session, a message, a search): only their browser may keep it.
            patch_cache_control(response, private=True, no_cache=True)
            patch_vary_headers(response, ("Cookie",))
        return response


def portal_cache_clear() -> None:
    """Empty the page cache once the current transaction commits (a rolled-back edit clears nothing).

    After the commit, not before: a visitor between the clear and the commit would store the old page.
    """
    transaction.on_commit(lambda: caches[CACHE_ALIAS].clear())
