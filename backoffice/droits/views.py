"""Rights estimates in the back office: the rights page of a social file (consent, recorded situation, estimate
and its saving on the timeline) and the per-team list of possible non-recours.

Reads go through ``droits.selectors`` (the file's page logs one ``file.view`` row; the list one row per page),
writes through ``droits.services``. A file the user may not see, or a user without a team following files,
gets a 404. A refusal of a service comes back on the form, in French, with what was typed kept.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backoffice.droits.forms import ConsentForm, MemberFormSet, SituationForm
from droits import selectors, services
from droits.engine import BENEFITS, BENEFITS_BY_CODE
from droits.situation import prefill
from grc.forms import add_service_error
from grc.selectors.territory import commune_list


def file_rights(request, pk):
    """The rights page of a file: consent (and its history), recorded situation, saved estimates."""
    file = selectors.file_for_rights(user=request.user, pk=pk, request=request)
    return render(request, "backoffice/droits/file_rights.html", _page_context(request, file))


def _page_context(request, file, **extra) -> dict:
    situation = selectors.situation_of(user=request.user, file=file)
    return {
        "file": file,
        "citizen": file.citizen,
        "consent": selectors.consent_current(user=request.user, file=file),
        "consents": selectors.consent_history(user=request.user, file=file),
        "situation": situation,
        "receives": [BENEFITS_BY_CODE[c].label for c in (situation.already_receives if situation else [])],
        "estimates": selectors.estimates_of(user=request.user, file=file),
        "consent_form": extra.pop("consent_form", None) or ConsentForm(),
        **extra,
    }


@require_POST
def consent_record(request, pk):
    file = selectors.file_for_rights(user=request.user, pk=pk, request=request)
    form = ConsentForm(request.POST)
    if form.is_valid():
        try:
            services.consent_record(actor=request.user, file=file, method=form.cleaned_data["method"])
        except (ValidationError, PermissionDenied) as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Consentement enregistré."))
            return redirect("backoffice:droits_file", pk=file.pk)
    context = _page_context(request, file, consent_form=form)
    return render(request, "backoffice/droits/file_rights.html", context, status=400)


def consent_withdraw(request, pk):
    """Confirm (GET: what will be deleted), then withdraw (POST)."""
    file = selectors.file_for_rights(user=request.user, pk=pk, request=request)
    error = ""
    if request.method == "POST":
        try:
            deleted = services.consent_withdraw(actor=request.user, file=file)
        except (ValidationError, PermissionDenied) as refusal:
            error = " ".join(getattr(refusal, "messages", [str(refusal)]))
        else:
            messages.success(
                request, _("Consentement retiré ; estimations enregistrées supprimées : %(n)s.") % {"n": deleted}
            )
            return redirect("backoffice:droits_file", pk=file.pk)
    context = {
        "file": file,
        "citizen": file.citizen,
        "consent": selectors.consent_current(user=request.user, file=file),
        "estimates_count": len(selectors.estimates_of(user=request.user, file=file, limit=1000)),
        "error": error,
    }
    return render(request, "backoffice/droits/consent_withdraw.html", context, status=400 if error else 200)


def _initial(situation, citizen):
    if situation is None:
        proposed = prefill(citizen)
        return {"commune": proposed["commune"]}, proposed["members"]
    initial = {
        "housing_status": situation.housing_status,
        "rent_monthly": situation.rent_monthly,
        "commune": situation.commune_id or "",
        "shared_housing": situation.shared_housing,
        "already_receives": situation.already_receives,
    }
    fields = [f for f in MemberFormSet.form.base_fields if f != "citizen"]
    members = [{"citizen": m.citizen_id, **{f: getattr(m, f) for f in fields}} for m in situation.member_list]
    return initial, members


def _members(formset) -> tuple[list[dict], list]:
    """The members typed (deleted and empty extra rows left out) and the form of each, in order."""
    members, forms = [], []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None) or {}
        if not data or data.get("DELETE"):
            continue
        members.append({k: v for k, v in data.items() if k != "DELETE"})
        forms.append(form)
    return members, forms


def _save_situation(request, file, form, formset) -> bool:
    members, member_forms = _members(formset)
    data = form.cleaned_data
    try:
        services.situation_save(
            actor=request.user,
            file=file,
            housing_status=data["housing_status"],
            rent_monthly=data["rent_monthly"],
            commune_code=data["commune"],
            shared_housing=data["shared_housing"],
            already_receives=data["already_receives"],
            members=members,
        )
    except (ValidationError, PermissionDenied) as error:
        if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            for key, errors in error.error_dict.items():
                texts = [m for e in errors for m in e.messages]
                if key.startswith("members-"):
                    _prefix, index, field = key.split("-", 2)
                    member_forms[int(index)].add_error(
                        field if field in MemberFormSet.form.base_fields else None, texts
                    )
                else:
                    form.add_error(key if key in form.fields else None, texts)
        else:
            add_service_error(form, error)
        return False
    return True


def situation_edit(request, pk):
    """Record or correct the household, its resources, its housing and the benefits already received."""
    file = selectors.file_for_rights(user=request.user, pk=pk, request=request)
    situation = selectors.situation_of(user=request.user, file=file)
    communes = commune_list()
    if request.method == "POST":
        form = SituationForm(request.POST, communes=communes)
        formset = MemberFormSet(request.POST, prefix="members")
        if form.is_valid() and formset.is_valid() and _save_situation(request, file, form, formset):
            messages.success(request, _("Situation enregistrée."))
            return redirect("backoffice:droits_file", pk=file.pk)
    else:
        initial, members = _initial(situation, file.citizen)
        form = SituationForm(initial=initial, communes=communes)
        formset = MemberFormSet(initial=members, prefix="members")
    context = {"file": file, "citizen": file.citizen, "form": form, "formset": formset, "situation": situation}
    status = 400 if request.method == "POST" else 200
    return render(request, "backoffice/droits/situation_form.html", context, status=status)


def estimate_run(request, pk):
    """GET: run the engine on the recorded situation and show each benefit; POST: save it on the file."""
    file = selectors.file_for_rights(user=request.user, pk=pk, request=request)
    try:
        if request.method == "POST":
            services.estimate_save(actor=request.user, file=file)
            messages.success(request, _("Estimation enregistrée dans le parcours (visible par votre équipe)."))
            return redirect("backoffice:droits_file", pk=file.pk)
        result = services.estimate_compute(actor=request.user, file=file)
    except (ValidationError, PermissionDenied) as error:
        context = _page_context(request, file, errors=getattr(error, "messages", [str(error)]))
        return render(request, "backoffice/droits/file_rights.html", context, status=400)
    rows = [(b, BENEFITS_BY_CODE.get(b.code)) for b in result.benefits]
    context = {"file": file, "citizen": file.citizen, "estimate": result, "rows": rows}
    return render(request, "backoffice/droits/estimate.html", context)


def estimate_detail(request, pk):
    """A saved estimate (its team or its author; the file visible), logged."""
    saved = selectors.estimate_get(user=request.user, pk=pk, request=request)
    context = {"saved": saved, "file": saved.file, "citizen": saved.file.citizen, "catalogue": BENEFITS_BY_CODE}
    return render(request, "backoffice/droits/estimate_detail.html", context)


def non_recours(request):
    """The possible non-recours of the files the user may see, by benefit and commune, largest amounts first."""
    benefit = request.GET.get("prestation", "")
    benefit = benefit if benefit in BENEFITS_BY_CODE else ""
    commune = request.GET.get("commune", "").strip()[:5]
    page = selectors.non_recours_page(
        user=request.user, benefit=benefit, commune=commune, page=request.GET.get("page", 1), request=request
    )
    context = {
        "page_obj": page,
        "benefits": [(b.code, b.label) for b in BENEFITS],
        "labels": {b.code: b.label for b in BENEFITS},
        "communes": commune_list(),
        "benefit": benefit,
        "commune": commune,
        "last_run": selectors.non_recours_last_run(user=request.user),
    }
    return render(request, "backoffice/droits/non_recours.html", context)
