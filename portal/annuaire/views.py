"""The annuaire social on the portal: ``/annuaire/`` (search, list and map), structure and service pages, the
embeddable page ``/annuaire/integrer/``, the open-data downloads, and the representatives' pages (claim a
structure, propose changes: published after moderation)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from annuaire import cache, export, selectors, services
from annuaire.models import Service
from annuaire.staleness import is_stale
from grc.selectors.territory import commune_get
from portal.lieux.views import _embeddable, _tiles_csp

from .forms import ClaimForm, SearchForm, ServiceProposalForm, StructureProposalForm, proposal_data, proposal_initial

PAGE_SIZE = 30
FILTER_KEYS = ("thematiques", "publics", "frais", "commune", "rayon", "territoire")


def _query(request) -> QueryDict:
    """The criteria of the URL (``services`` is the embed's name for ``thematiques``)."""
    query = QueryDict(mutable=True)
    for key in FILTER_KEYS:
        value = request.GET.get(key) or (request.GET.get("services") if key == "thematiques" else "")
        if value:
            query[key] = value
    return query


def _search(query: QueryDict):
    form = SearchForm(query)
    if not form.is_valid():
        errors = [f"{form.fields[name].label} : {' '.join(msgs)}" for name, msgs in form.errors.items()]
        return form, [], errors
    data = form.cleaned_data
    origin = commune_get(data["commune"]) if data["commune"] else None
    territoire = data["territoire"]
    hits = selectors.services_search(
        thematiques=[data["thematiques"]] if data["thematiques"] else [],
        publics=[data["publics"]] if data["publics"] else [],
        frais=data["frais"],
        origin=origin,
        radius_km=float(data["rayon"] or 10) if origin is not None else None,
        epci_codes=[territoire] if territoire else (),
        limit=selectors.LIST_LIMIT,
    )
    return form, hits, []


def _context(request) -> dict:
    query = _query(request)
    form, hits, errors = _search(query)
    page = Paginator(hits, PAGE_SIZE).get_page(request.GET.get("page"))
    encoded = query.urlencode()
    return {
        "form": form,
        "errors": errors,
        "page_obj": page,
        "hits": page.object_list,
        "total": len(hits),
        "query": encoded,
        "geojson_url": reverse("annuaire:geojson") + (f"?{encoded}" if encoded else ""),
        "boundaries_url": reverse("api:territoire_epci"),
    }


@login_not_required
@require_GET
@_tiles_csp
def search(request):
    """Search by thématique, public, frais and commune (distance): the list, and the map of the same results."""
    context = _context(request)
    context["embed_url"] = request.build_absolute_uri(reverse("annuaire:embed")) + (
        f"?{context['query']}" if context["query"] else ""
    )
    return render(request, "portal/annuaire/search.html", context, status=400 if context["errors"] else 200)


@login_not_required
@require_GET
@_embeddable
@_tiles_csp
def embed(request):
    """The embeddable page (iframe on partners' sites): criteria in the URL (territoire, services, frais)."""
    context = _context(request)
    return render(request, "portal/annuaire/embed.html", context, status=400 if context["errors"] else 200)


def _feature(structure, url: str) -> dict:
    address = " ".join(part for part in (structure.adresse, structure.code_postal, structure.commune_nom) if part)
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [structure.longitude, structure.latitude]},
        "properties": {"id": structure.pk, "name": structure.nom, "url": url, "address": address, "kind": "structure"},
    }


@login_not_required
@require_GET
def geojson(request):
    """The structures of the search's results as GeoJSON points (the map's data), cached per criteria."""
    query = _query(request)

    def build():
        _form, hits, _errors = _search(query)
        structures = {}
        for hit in hits:
            structure = hit.service.structure
            if structure.latitude is not None and structure.pk not in structures:
                structures[structure.pk] = _feature(structure, reverse("annuaire:structure", args=[structure.pk]))
        return {"type": "FeatureCollection", "features": list(structures.values())}

    response = JsonResponse(cache.cached("geojson:" + query.urlencode(), build))
    response["Content-Type"] = "application/geo+json"
    response["Cache-Control"] = "public, max-age=300"
    return response


@login_not_required
@require_GET
def structure_detail(request, pk: int):
    """A structure's public page with its services (and the stale flag after 12 months without update)."""
    structure = selectors.structure_get_public(pk)
    return render(request, "portal/annuaire/structure.html", {"structure": structure, "stale": is_stale(structure)})


@login_not_required
@require_GET
def service_detail(request, pk: int):
    """A service's public page."""
    service = selectors.service_get_public(pk)
    return render(request, "portal/annuaire/service.html", {"service": service, "stale": is_stale(service)})


@login_not_required
@require_GET
def download(request, kind: str, fmt: str):
    """The whole annuaire as data·inclusion v1, JSON or CSV (Licence Ouverte 2.0), streamed."""
    if kind not in export.KINDS or fmt not in ("json", "csv"):
        raise Http404
    lines = export.export_json(kind) if fmt == "json" else export.export_csv(kind)
    content_type = "application/json" if fmt == "json" else "text/csv; charset=utf-8"
    response = StreamingHttpResponse(lines, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="annuaire-cd35-{kind}.{fmt}"'
    response["Access-Control-Allow-Origin"] = "*"
    return response


# --- representatives (logged in) ---------------------------------------------------------------------------


def mine(request):
    """The account's structures, claims and proposals."""
    return render(
        request,
        "portal/annuaire/mine.html",
        {
            "structures": selectors.structures_editable_by(user=request.user),
            "claims": selectors.representations_for(user=request.user),
            "proposals": selectors.proposals_of(user=request.user)[:50],
        },
    )


def claim(request, pk: int):
    """Ask to represent a structure (its SIRET); the Info sociale team validates."""
    structure = selectors.structure_get_public(pk)
    form = ClaimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.structure_claim(user=request.user, structure=structure, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Votre demande est envoyée : l'équipe Info sociale la vérifiera."))
            return redirect("annuaire:mine")
    return render(request, "portal/annuaire/claim.html", {"structure": structure, "form": form})


@require_POST
def withdraw(request, pk: int):
    """The account stops representing a structure (or cancels its pending claim); kept with history."""
    claim = selectors.representation_get(user=request.user, pk=pk)
    try:
        services.representative_withdraw(user=request.user, representative=claim)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("Vous ne représentez plus « %(structure)s ».") % {"structure": claim.structure.nom}
        )
    return redirect("annuaire:mine")


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _propose(request, target, form_class, template: str, context: dict):
    form = form_class(request.POST or None, initial=proposal_initial(target, form_class))
    if request.method == "POST" and form.is_valid():
        try:
            services.change_propose(user=request.user, target=target, data=proposal_data(form))
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Modification envoyée : elle sera publiée après vérification."))
            return redirect("annuaire:mine")
    return render(request, template, {**context, "form": form})


def structure_edit(request, pk: int):
    """A representative proposes changes to their structure (pending until published)."""
    structure = selectors.structure_for_editor(user=request.user, pk=pk)
    return _propose(request, structure, StructureProposalForm, "portal/annuaire/edit.html", {"record": structure})


def service_edit(request, pk: int):
    """A representative proposes changes to one of their structure's services."""
    service = selectors.service_get_public(pk)
    selectors.structure_for_editor(user=request.user, pk=service.structure_id)
    return _propose(request, service, ServiceProposalForm, "portal/annuaire/edit.html", {"record": service})


def service_add(request, pk: int):
    """A representative proposes a new service of their structure."""
    structure = selectors.structure_for_editor(user=request.user, pk=pk)
    form = ServiceProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_propose(
                user=request.user, model=Service, data={**proposal_data(form), "structure": structure.pk}
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Nouveau service envoyé : il sera publié après vérification."))
            return redirect("annuaire:mine")
    return render(request, "portal/annuaire/edit.html", {"record": structure, "form": form, "new": True})
