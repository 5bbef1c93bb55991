"""The annuaire in the back office.

For the Info sociale team: the moderation queue (each pending change with its diff, published or rejected),
the claims to validate, and the import (upload, line-by-line report and preview, then apply). For any agent
who may write in a social file: find a service for the person (thématique, distance from their home) and
record the orientation on their timeline. Reads through ``annuaire.selectors`` (logged where personal),
writes through ``annuaire.services`` / ``annuaire.imports``; no right is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from annuaire import perms, selectors, services
from annuaire.imports import applying
from annuaire.imports.reading import read_import
from dossier_unique.selectors import file_get
from grc.forms import add_service_error
from grc.uploads import UploadRefused, clean_name

from .forms import ImportForm, OrientationForm, OrientationSearchForm, RejectForm

ORIENTATION_LIMIT = 30


def queue(request):
    """Pending changes (oldest first) and pending claims."""
    changes = selectors.changes_pending(user=request.user, request=request)
    claims = selectors.claims_pending(user=request.user, request=request)
    return render(request, "backoffice/annuaire/queue.html", {"changes": changes[:200], "claims": claims[:200]})


def change_detail(request, pk: int):
    """One pending change: each field's published and proposed value; publish, or reject with a reason."""
    change = selectors.change_get(user=request.user, pk=pk, request=request)
    form = RejectForm(request.POST or None)
    if request.method == "POST":
        try:
            if "publish" in request.POST:
                services.change_publish(user=request.user, change=change)
                messages.success(request, _("Modification publiée."))
                return redirect("backoffice:annuaire_queue")
            if form.is_valid():
                services.change_reject(user=request.user, change=change, reason=form.cleaned_data["reason"])
                messages.success(request, _("Modification refusée ; son auteur verra le motif."))
                return redirect("backoffice:annuaire_queue")
        except ValidationError as error:
            add_service_error(form, error, default_field=None, fields={"reason": "reason"})
    return render(
        request,
        "backoffice/annuaire/change.html",
        {"change": change, "diff": selectors.change_diff(change), "form": form},
    )


@require_POST
def claim_decide(request, pk: int):
    """Validate or refuse a claim (a refusal needs its reason)."""
    claim = selectors.claim_get(user=request.user, pk=pk, request=request)
    try:
        if "validate" in request.POST:
            services.representative_validate(user=request.user, representative=claim)
            messages.success(request, _("Rattachement validé."))
        else:
            services.representative_refuse(
                user=request.user, representative=claim, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("Rattachement refusé."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("backoffice:annuaire_queue")


def import_upload(request):
    """Upload a file: it is read and checked, nothing is written; the preview comes next."""
    if not perms.can_moderate(request.user):
        raise Http404
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = read_import(upload)
        except UploadRefused as refused:
            form.add_error("file", refused.messages)
        else:
            run = applying.import_prepare(user=request.user, result=result, filename=clean_name(upload))
            return redirect("backoffice:annuaire_import_preview", pk=run.pk)
    return render(request, "backoffice/annuaire/import.html", {"form": form})


def import_preview(request, pk: int):
    """The report line by line and the preview of the changes; apply (the worker writes, this page shows the
    progress, then the summary) or abandon."""
    run = selectors.import_get(user=request.user, pk=pk)
    if request.method == "POST":
        try:
            if "apply" in request.POST:
                run = applying.import_apply_start(user=request.user, run=run)
                messages.success(request, _("Import lancé : son avancement s'affiche ci-dessous."))
            else:
                run = applying.import_cancel(user=request.user, run=run)
                messages.success(request, _("Import abandonné : rien n'a été écrit."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("backoffice:annuaire_import_preview", pk=run.pk)
    problems = [line for line in run.report if line["errors"] or line["warnings"]]
    refused = [line for line in problems if line["errors"]]
    context = {"run": run, "problems": problems[:1000], "refused_count": len(refused)}
    return render(request, "backoffice/annuaire/import_preview.html", context)


def orientation(request, file_pk: int):
    """Find a service near the person's home by thématique, and record the orientation on their timeline."""
    file = file_get(user=request.user, pk=file_pk, request=request)
    if not perms.can_orient(request.user):
        raise Http404
    origin = selectors.orientation_origin(file)
    search = OrientationSearchForm(request.GET or None)
    hits = []
    if search.is_valid():
        hits = selectors.services_search(
            thematiques=[search.cleaned_data["thematiques"]],
            origin=origin,
            radius_km=float(search.cleaned_data["rayon"]) if origin is not None else None,
            limit=ORIENTATION_LIMIT,
        )
    form = OrientationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        service = selectors.service_get_public(form.cleaned_data["service"])
        try:
            services.orientation_record(
                user=request.user, file=file, service=service, comment=form.cleaned_data["comment"]
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Orientation inscrite au parcours."))
            return redirect("backoffice:file_detail", pk=file.pk)
    context = {"file": file, "origin": origin, "search": search, "hits": hits, "form": form}
    return render(request, "backoffice/annuaire/orientation.html", context)
