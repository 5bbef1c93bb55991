"""The observatory's pages: tables first (server-rendered), each with its chart; the map; exports.

Managers, functional admins and the Observatoire team (``observatoire.perms``); everyone else gets 404.
Every figure comes protected by the statistical-secrecy rule (``observatoire.blocks``).
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from observatoire import blocks as obs_blocks
from observatoire.exports import FORMATS, WRITERS
from observatoire.perms import require_observatory
from observatoire.selectors import filter_choices, last_refresh

from .forms import FilterForm


def _filters(request):
    form = FilterForm(request.GET or None, choices=filter_choices(user=request.user))
    return form, form.filters()


def _description(form, filters) -> str:
    territory = {
        value: label for _group, options in form.fields["territoire"].choices[1:] for value, label in options
    }.get(f"{filters.territory_kind}:{filters.territory}", _("Tout le Département"))
    programme = dict(form.fields["programme"].choices).get(filters.programme, "")
    return _("Période : %(start)s à %(end)s ; territoire : %(territory)s ; programme : %(programme)s.") % {
        "start": filters.start.strftime("%m/%Y"),
        "end": filters.end.strftime("%m/%Y"),
        "territory": territory,
        "programme": programme,
    }


def home(request):
    """Every block with its chart, the choropleth map and its table, the filters and the export form."""
    require_observatory(request.user)
    form, filters = _filters(request)
    refreshed = last_refresh(user=request.user)
    blocks, measures = obs_blocks.cached_blocks(
        user=request.user, filters=filters, refresh_id=refreshed.pk if refreshed else None
    )
    clean = form.cleaned_data if form.is_bound and form.is_valid() else {}
    map_measure = clean.get("carte") or "demandes"
    level = clean.get("niveau") or "commune"
    return render(
        request,
        "backoffice/observatoire/home.html",
        {
            "form": form,
            "filters": filters,
            "description": _description(form, filters),
            "blocks": blocks,
            "map": obs_blocks.cached_map(
                user=request.user,
                filters=filters,
                refresh_id=refreshed.pk if refreshed else None,
                measures=measures,
                measure=map_measure,
                level=level,
            ),
            "map_measure": map_measure,
            "map_level": level,
            "last_refresh": refreshed,
            "query": request.GET.urlencode(),
        },
    )


def export(request, fmt: str):
    """The blocks ticked (``blocs``, all by default) in CSV, XLSX or ODS, with the page's filters."""
    require_observatory(request.user)
    if fmt not in WRITERS:
        raise Http404
    form, filters = _filters(request)
    refreshed = last_refresh(user=request.user)
    blocks, _measures = obs_blocks.cached_blocks(
        user=request.user, filters=filters, refresh_id=refreshed.pk if refreshed else None
    )
    wanted = set(request.GET.getlist("blocs"))
    chosen = [block for block in blocks if block.key in wanted] or blocks
    content = WRITERS[fmt](chosen, _description(form, filters))
    response = HttpResponse(content, content_type=FORMATS[fmt])
    name = f"observatoire-{filters.start:%Y-%m}-{filters.end:%Y-%m}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
