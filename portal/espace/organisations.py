"""Mon espace, « Mes structures »: the associations, companies or offices the account acts for, and their members;
and the decision letter of a decided request.

Reads through ``demandes.selectors`` (a structure the account is not a member of is a 404), writes
through ``demandes.organisations``. The annuaire social's structure with the same SIRET, when the
annuaire knows one, is shown with a link (``portal.organisation_links``).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from demandes import organisations as services
from demandes import selectors
from demandes.decisions import decision_letter_pdf
from demandes.models import OrganisationMember, Request
from grc.forms import add_service_error
from portal.espace.forms import MemberForm, OrganisationForm
from portal.espace.views import _render, citizen_only
from portal.organisation_links import directory_structure_for


@citizen_only
@require_http_methods(["GET", "POST"])
def organisation_list(request):
    """My structures, and the form that creates one (the account becomes its administrator)."""
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.organisation_create(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("La structure « %(name)s » est créée.") % {"name": created.name})
            return redirect("espace:organisation_detail", pk=created.pk)
    return _render(
        request,
        "espace/organisations.html",
        {"organisations": selectors.organisations_for(user=request.user), "form": form},
        status=200,
    )


@citizen_only
@require_http_methods(["GET", "POST"])
def organisation_detail(request, pk: int):
    """One structure: its identifiers, its members (administrators add and remove them)."""
    organisation = selectors.organisation_get(user=request.user, pk=pk)
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_member_add(organisation=organisation, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Le membre est enregistré."))
            return redirect("espace:organisation_detail", pk=pk)
    return _render(
        request,
        "espace/organisation_detail.html",
        {
            "organisation": organisation,
            "form": form,
            "is_admin": organisation.member_role == OrganisationMember.Role.ADMIN,
            "directory": directory_structure_for(siret=organisation.siret),
        },
    )


@citizen_only
@require_POST
def organisation_member_remove(request, pk: int, member_pk: int):
    organisation = selectors.organisation_get(user=request.user, pk=pk)
    member = next((m for m in organisation.members_list if m.pk == member_pk), None)
    if member is None:
        return redirect("espace:organisation_detail", pk=pk)
    try:
        services.organisation_member_remove(organisation=organisation, actor=request.user, member=member)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Le membre est retiré de la structure."))
    if member.user_id == request.user.pk:
        return redirect("espace:organisations")
    return redirect("espace:organisation_detail", pk=pk)


@citizen_only
def decision_letter(request, code: str):
    """The decision letter (PDF) of a decided request the account may see (404 otherwise, read logged)."""
    decided = selectors.request_get(user=request.user, code=code, http_request=request)
    if decided.status not in Request.FINAL_STATUSES:
        raise Http404
    response = HttpResponse(decision_letter_pdf(decided), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="decision-{decided.tracking_code}.pdf"'
    return response
