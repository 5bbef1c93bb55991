"""Global search of the back office: the header box on every page, instant results, the results page,
and the redirect through which a result is opened (``SEARCH_RESULT_OPEN`` in the access log).

The text is sent with **POST** (the header box, the results page, the instant results), so names,
birth dates and NIRs never appear in URLs, browser history or proxy/server access logs. Without
JavaScript the header box posts to the results page; with it, htmx posts the same form to the
instant-results fragment as one types. Opening a result is a GET on ``/recherche/ouvrir/<type>/<id>/``
(ids only).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from backoffice.search.forms import KIND_LABELS, SearchForm
from dossier_unique.models import Programme
from grc import perms
from search.registry import kinds
from search.service import open_result, search_for

PAGE_SIZE = 30
SUGGEST_SIZE = 8


def _allowed(request):
    if not perms.can_search_citizens(request.user):
        raise Http404


def _grouped(results):
    """Hits grouped by type, the groups in the order of their best hit (so an exact code leads)."""
    groups: dict[str, list] = {}
    for hit in results.hits:
        groups.setdefault(hit.kind, []).append(hit)
    return [(kind, KIND_LABELS[kind], hits) for kind, hits in groups.items()]


def _facets(results):
    return {
        "kind": [
            (k, KIND_LABELS[k], results.facets["kind"].get(k, 0)) for k in kinds() if results.facets["kind"].get(k)
        ],
        "programme": [
            (p, label, results.facets["programme"][p])
            for p, label in Programme.choices
            if p in results.facets["programme"]
        ],
    }


@require_http_methods(["GET", "POST"])
def search_page(request):
    _allowed(request)
    form = SearchForm(request.POST or None)
    context = {"form": form, "results": None}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        page = data.get("page") or 1
        results = search_for(
            user=request.user,
            q=data["q"],
            kinds=[data["type"]] if data["type"] else None,
            programme=data["programme"],
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
            request=request,
        )
        context.update(
            results=results,
            groups=_grouped(results),
            facets=_facets(results),
            page=page,
            has_next=results.total > page * PAGE_SIZE,
            kind_labels=KIND_LABELS,
        )
    template = (
        "backoffice/search/results_fragment.html"
        if request.headers.get("HX-Request")
        else "backoffice/search/page.html"
    )
    return render(request, template, context)


@require_POST
def search_suggest(request):
    """Instant results under the header box (htmx); a short list, grouped, each opening the result."""
    _allowed(request)
    form = SearchForm(request.POST)
    results = None
    if form.is_valid() and len(form.cleaned_data["q"]) >= 2:
        results = search_for(user=request.user, q=form.cleaned_data["q"], limit=SUGGEST_SIZE, request=request)
    return render(
        request,
        "backoffice/search/suggest.html",
        {"results": results, "groups": _grouped(results) if results else [], "form": form},
    )


@require_GET
def search_open(request, kind: str, pk: int):
    """Log the opening of a search result and go to the object's own page (404 if not visible)."""
    _allowed(request)
    try:
        url = open_result(user=request.user, kind=kind, object_id=pk, request=request)
    except PermissionDenied:
        raise Http404 from None
    return redirect(url)
