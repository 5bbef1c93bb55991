"""Public pages of the lieux de médiation numérique: ``/lieux/`` (map and list), a place's page, and the
embeddable page ``/lieux/integrer/`` that partners put in an iframe (the only page whose framing is allowed)."""

from __future__ import annotations

import functools

from csp.decorators import csp_replace, csp_update
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from annuaire.services import change_propose
from grc.forms import add_service_error
from mednum.exports import lieux_csv_lines, lieux_to_di
from mednum.filters import parse_filters
from mednum.geo import lieu_kind
from mednum.horaires import open_now, week
from mednum.models import Lieu
from mednum.perms import can_propose_lieu
from mednum.selectors import lieu_public_get, lieux_filtered, lieux_search, structure_for_proposal

from .forms import LieuProposalForm, LieuSearchForm

PAGE_SIZE = 50
FILTER_KEYS = ("services", "publics", "frais", "commune", "epci", "territoire", "rayon")


def _filter_query(request) -> QueryDict:
    """The filter parameters only (not ``page``): what the map's data URL and the embed URL carry."""
    query = QueryDict(mutable=True)
    for key in FILTER_KEYS:
        values = [v for v in request.GET.getlist(key) if v]
        if values:
            query.setlist(key, values)
    return query


def _tiles_csp(view):
    """A configured tile server's origin is allowed in img-src on the map pages only (read at each request)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not settings.MAP_TILE_URL:
            return view(request, *args, **kwargs)
        origin = "/".join(settings.MAP_TILE_URL.split("/")[:3]).replace("{s}.", "*.")
        return csp_update({"img-src": [origin]})(view)(request, *args, **kwargs)

    return wrapped


def _context(request):
    filters = parse_filters(request.GET)
    if filters.errors:
        rows = []
    elif filters.commune is None:  # no distance to show: the database pages (450 places, 50 a page)
        rows = lieux_filtered(filters=filters)
    else:
        rows = lieux_search(filters=filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    pairs = page.object_list if filters.commune is not None else [(lieu, None) for lieu in page.object_list]
    query = _filter_query(request)
    geojson_url = reverse("api:lieux_geojson") + (f"?{query.urlencode()}" if query else "")
    return {
        "filters": filters,
        "page_obj": page,
        "results": [{"lieu": lieu, "distance": d, "kind": lieu_kind(lieu)} for lieu, d in pairs],
        "total": page.paginator.count,
        "geojson_url": geojson_url,
        "boundaries_url": reverse("api:territoire_epci"),
        "query": query.urlencode(),
    }


@login_not_required
@require_GET
@_tiles_csp
def lieu_list(request):
    """The map and the list of places (the list is the map's accessible equivalent), with their filters."""
    context = _context(request)
    context["form"] = LieuSearchForm(request.GET or None)
    context["embed_url"] = request.build_absolute_uri(reverse("lieux:embed")) + (
        f"?{context['query']}" if context["query"] else ""
    )
    return render(request, "portal/lieux/list.html", context, status=400 if context["filters"].errors else 200)


@login_not_required
@require_GET
def lieu_detail(request, lieu_id: int):
    """A place's page: services, publics, frais, access, and its opening hours said in French."""
    lieu = lieu_public_get(lieu_id=lieu_id)
    return render(
        request,
        "portal/lieux/detail.html",
        {
            "lieu": lieu,
            "now": open_now(lieu.horaires),
            "week": week(lieu.horaires),
            "kind": lieu_kind(lieu),
            "can_propose": can_propose_lieu(request.user, lieu),
        },
    )


def _embeddable(view):
    """Lift X-Frame-Options and let the partners' sites frame the page (read at each request: a setting)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        frame = csp_replace({"frame-ancestors": list(settings.EMBED_FRAME_ANCESTORS)})
        return xframe_options_exempt(frame(view))(request, *args, **kwargs)

    return wrapped


@login_not_required
@require_GET
@_embeddable
@_tiles_csp
def lieu_embed(request):
    """The embeddable page: map and list only, framable by the sites of ``settings.EMBED_FRAME_ANCESTORS``."""
    context = _context(request)
    return render(request, "portal/lieux/embed.html", context, status=400 if context["filters"].errors else 200)


@login_not_required
@require_GET
def export_csv(request):
    """Every published place as CSV in the « lieux de médiation numérique » standard (Licence Ouverte 2.0)."""
    response = StreamingHttpResponse(lieux_csv_lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="lieux-mediation-numerique-cd35.csv"'
    response["Access-Control-Allow-Origin"] = "*"
    return response


@login_not_required
@require_GET
def export_data_inclusion(request):
    """Every published place as data·inclusion v1 structures and services (JSON), as the national tools map them."""
    response = JsonResponse(lieux_to_di(), json_dumps_params={"ensure_ascii": False})
    response["Content-Disposition"] = 'attachment; filename="lieux-data-inclusion-cd35.json"'
    response["Access-Control-Allow-Origin"] = "*"
    return response


def lieu_propose(request, lieu_id: int | None = None):
    """A partner proposes new values for a place (or a new place of their structure: ``?structure=<id>``).

    The proposal waits for the Info sociale team (annuaire's moderation); nothing changes on the map before.
    Only the place's structure's validated representatives (and the Info sociale team) see this page: 404.
    """
    lieu = lieu_public_get(lieu_id=lieu_id) if lieu_id is not None else None
    structure = lieu.structure if lieu is not None else structure_for_proposal(request.GET.get("structure"))
    if not can_propose_lieu(request.user, lieu, structure):
        raise Http404
    initial = LieuProposalForm.initial_for(lieu) if lieu is not None else {}
    form = LieuProposalForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if lieu is None:
            data["structure"] = structure.pk
        try:
            change_propose(user=request.user, target=lieu, model=Lieu, data=data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request, _("Merci : votre proposition est transmise à l'équipe Info sociale, qui la publiera.")
            )
            return redirect(lieu.get_absolute_url() if lieu is not None else reverse("lieux:list"))
    context = {"form": form, "lieu": lieu, "structure": structure, "checkboxes": LieuProposalForm.checkbox_names()}
    return render(request, "portal/lieux/propose.html", context)
