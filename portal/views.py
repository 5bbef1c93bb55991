"""The filing flow of a procedure page: form, drafts (button and autosave), review, submission, confirmation.

Routes (``ProcedurePage`` is a routable page):

- ``<page>/``: the procedure. Anonymous visitors read it and get a "log in / create an account" call
  to action; logged-in citizens below the required identity assurance level are told how to reach
  it; others get the form, prefilled from their draft. POST ``action``:
  ``draft`` (save the draft as typed, even incomplete), ``autosave`` (the same, sent by
  ``static/js/portal-autosave.js`` without the files, answered in JSON), ``review`` (check everything;
  valid → the review page, invalid → errors next to the fields, and what was typed, files included,
  is kept on the draft).
- ``<page>/verification/``: the answers and files as they will be sent; POST files the request.
- ``<page>/confirmation/<tracking code>/``: the tracking code and the acknowledgement.

No write happens here: drafts and submissions go through ``demandes.services``; the citizen is
found or created by ``portal.accounts.linking.ensure_citizen``.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from demandes.decisions import has_amount_field, request_amount_record
from demandes.models import Request
from demandes.organisations import request_organisation_set
from demandes.selectors import organisations_for, request_get, requests_for
from demandes.services import request_draft_save, request_submit
from grc.forms import add_service_error
from grc.models import Citizen
from portal import steps
from portal.accounts.linking import ensure_citizen
from portal.accounts.selectors import assurance_level
from portal.prefill import prefill_initial

ACTION_DRAFT = "draft"
ACTION_AUTOSAVE = "autosave"
ACTION_REVIEW = "review"


def login_url() -> str:
    return reverse("accounts:login")


def _draft_for(user, page) -> Request | None:
    """The account's own latest draft for this procedure, read through the requests' permission rule."""
    return (
        requests_for(user=user)
        .filter(account=user, procedure_id=page.pk, status=Request.Status.DRAFT)
        .order_by("-updated_at")
        .first()
    )


def _kept_files(draft: Request | None) -> dict[str, str]:
    if draft is None:
        return {}
    # Always read again (never a prefetched cache): called right after a save that replaced a file.
    attachments = draft.attachments.filter(message__isnull=True).exclude(field_name="").order_by("uploaded_at", "pk")
    return dict(attachments.values_list("field_name", "original_name"))


def _gate(request, page) -> dict | None:
    """Why this visitor may not file now (context for the template), or None when they may."""
    if not page.is_open:
        return {"reason": "closed"}
    user = request.user
    if not user.is_authenticated:
        return {
            "reason": "anonymous",
            "login_url": f"{login_url()}?{urlencode({'next': _page_url(request, page)})}",
            "signup_url": reverse("accounts:signup"),
        }
    if user.is_staff:
        return {"reason": "staff"}
    level = assurance_level(user=user)
    if level < page.required_assurance_level:
        return {
            "reason": "assurance",
            "level": Citizen.Assurance(level).label,
            "required": Citizen.Assurance(page.required_assurance_level).label,
            "required_value": page.required_assurance_level,
        }
    return None


def _page_url(request, page, route: str = "", **kwargs) -> str:
    url = page.get_url(request) or "/"
    return url + page.reverse_subpage(route, kwargs=kwargs or None).lstrip("/") if route else url


def _render(request, page, *, form=None, gate=None, draft=None, template=None, status=200, **extra):
    context = page.get_context(request)
    context.update(form=form, gate=gate, draft=draft, **extra)
    if form is not None and gate is None and request.user.is_authenticated:
        context.update(organisations=_organisations(request, page), acting_for=_acting_for(request, page, draft))
    return TemplateResponse(request, template or page.get_template(request), context, status=status)


def _save_draft(request, page, draft, *, answers, files=None) -> Request:
    saved = request_draft_save(account=request.user, procedure=page, answers=answers, files=files, request=draft)
    if page.applicants != page.Applicants.PERSON:
        organisation = _acting_for(request, page)
        saved = request_organisation_set(request=saved, account=request.user, organisation=organisation)
    return saved


def _organisations(request, page) -> list:
    """The structures the account may file this procedure for (none when only people file it)."""
    if page.applicants == page.Applicants.PERSON:
        return []
    if not hasattr(request, "_portal_organisations"):
        request._portal_organisations = organisations_for(user=request.user)
    return request._portal_organisations


def _acting_for(request, page, draft=None):
    """The structure chosen in the form (POST ``acting_for``), else the draft's; ``None``: the person."""
    organisations = {str(o.pk): o for o in _organisations(request, page)}
    if request.method == "POST":
        return organisations.get(request.POST.get("acting_for", ""))
    if draft is not None and draft.organisation_id:
        return organisations.get(str(draft.organisation_id))
    if page.applicants == page.Applicants.ORGANISATION and len(organisations) == 1:
        return next(iter(organisations.values()))
    return None


def _check_acting_for(request, page, form) -> None:
    """A procedure for structures only: one of the account's structures must be chosen."""
    if page.applicants == page.Applicants.ORGANISATION and _acting_for(request, page) is None:
        form.add_error(
            None,
            _("Choisissez la structure pour laquelle vous déposez (ajoutez-la dans Mon espace, « Mes structures »)."),
        )


def procedure_form(request, page):
    """The procedure page: description, and the form for a citizen who may file."""
    if getattr(request, "is_preview", False):
        # Wagtail admin preview: the form as a citizen will see it, nothing saved.
        return _render(
            request, page, form=page.get_form(page=page), gate=None if page.is_open else {"reason": "closed"}
        )
    if request.method == "POST" and not request.user.is_authenticated:
        return redirect_to_login(_page_url(request, page), login_url())
    gate = _gate(request, page)
    if gate is not None:
        if request.method == "POST":
            return redirect(_page_url(request, page))
        return _render(request, page, gate=gate)

    draft = _draft_for(request.user, page)
    kept = _kept_files(draft)
    names = steps.step_names(page.get_form_class())
    if request.method != "POST":
        organisation = _acting_for(request, page, draft)
        initial = draft.answers if draft else prefill_initial(page=page, user=request.user, organisation=organisation)
        form = page.get_form(initial=initial, existing_files=kept, page=page)
        context = _step_context(names, steps.shown_step(request.GET, len(names)), form=form, answers=initial)
        return _render(request, page, form=form, draft=draft, **context)
    return _form_post(request, page, draft, kept, names)


def _step_context(names: list[list[str]], current: int, *, form, answers) -> dict:
    """What the template needs to show one step: its number, the count, and the fields left out because
    an answer of another step does not ask for them."""
    if len(names) < 2:
        return {}
    hidden = steps.not_asked(form, names[current - 1], answers)
    return {"step_current": current, "step_count": len(names), "step_hidden": hidden}


def _form_post(request, page, draft, kept, names):
    action = request.POST.get("action", ACTION_DRAFT)
    step = steps.posted_step(request.POST, len(names))
    data = request.POST
    if step is not None:
        data = steps.merged_data(
            request.POST, names[step - 1], [n for group in names for n in group], draft and draft.answers
        )
    form = page.get_form(data, request.FILES, existing_files=kept, page=page, user=request.user)
    valid = form.is_valid()
    if action == ACTION_REVIEW:
        _check_acting_for(request, page, form)
        valid = valid and not form.non_field_errors()

    if action == ACTION_AUTOSAVE:
        # Text only (the script leaves files out): what was typed, valid or not. Unchanged answers
        # write nothing (no history row per pause in typing).
        answers = form.raw_answers()
        try:
            if draft is None or draft.answers != answers:
                draft = _save_draft(request, page, draft, answers=answers)
        except ValidationError:
            return JsonResponse({"saved": False}, status=400)
        saved_at = timezone.localtime(draft.updated_at)
        message = _("Brouillon enregistré automatiquement à %(time)s") % {"time": f"{saved_at:%H:%M}"}
        return JsonResponse({"saved": True, "message": message})

    if action == ACTION_REVIEW and valid:
        try:
            draft = _save_draft(request, page, draft, answers=form.clean_answers(), files=form.valid_uploads())
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            return redirect(_page_url(request, page, "procedure_review"))

    # A draft (explicit, a step change, or a review that failed): keep everything typed and every good file.
    try:
        draft = _save_draft(request, page, draft, answers=form.raw_answers(), files=form.valid_uploads())
    except ValidationError as exc:
        add_service_error(form, exc)
    for name, filename in _kept_files(draft).items():
        field = form.fields.get(name)
        if field is not None:
            field.existing_name = filename
    if step is not None:
        return _step_post(request, page, form, draft, names, step=step, action=action)
    if action != ACTION_REVIEW:
        _keep_file_errors_only(form)
        if not form.errors:
            messages.success(request, _("Votre brouillon est enregistré. Vous pourrez le reprendre plus tard."))
            return redirect(_page_url(request, page))
    return _render(request, page, form=form, draft=draft, status=200)


def _keep_file_errors_only(form) -> None:
    """Saving a draft reports only what could not be kept (a refused file), not missing answers."""
    uploaded = {name for name in form.file_fields() if form.add_prefix(name) in form.files}
    for name in list(form.errors):
        if name not in uploaded and name != "__all__":
            del form.errors[name]


def _step_url(request, page, number: int) -> str:
    return f"{_page_url(request, page)}?{steps.STEP_QUERY}={number}"


def _step_post(request, page, form, draft, names, *, step: int, action: str):
    """After the draft is saved: move to the next or previous step, or show this one (or the first
    incomplete one, after a failed review) with its errors."""
    here = names[step - 1]
    if action == steps.ACTION_PREVIOUS:
        return redirect(_step_url(request, page, max(step - 1, 1)))
    if action == steps.ACTION_NEXT:
        if not any(name in form.errors for name in here) and not form.non_field_errors():
            return redirect(_step_url(request, page, min(step + 1, len(names))))
    elif action == ACTION_REVIEW:
        step = steps.first_step_with_errors(form, names)
        here = names[step - 1]
    else:
        _keep_file_errors_only(form)
        if not form.errors:
            messages.success(request, _("Votre brouillon est enregistré. Vous pourrez le reprendre plus tard."))
            return redirect(_step_url(request, page, step))
    steps.keep_errors_of(form, here)
    context = _step_context(names, step, form=form, answers=draft.answers if draft else {})
    return _render(request, page, form=form, draft=draft, status=200, **context)


def _answer_rows(page, form, answers: dict, kept: dict[str, str]) -> list[tuple[str, str]]:
    """(label, readable value) for each field, in the form's order."""
    rows = []
    file_names = set(form.file_fields())
    for name, field in form.fields.items():
        if name in file_names:
            rows.append((field.label, kept.get(name) or _("Aucun fichier")))
            continue
        value = answers.get(name)
        if isinstance(value, bool):
            value = _("Oui") if value else _("Non")
        elif isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        elif value in (None, ""):
            value = _("Non renseigné")
        rows.append((field.label, str(value)))
    return rows


def procedure_review(request, page):
    """The answers as they will be sent, and the button that files the request."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), login_url())
    gate = _gate(request, page)
    if gate is not None:
        return redirect(_page_url(request, page))
    draft = _draft_for(request.user, page)
    if draft is None:
        messages.info(request, _("Aucun brouillon en cours pour cette démarche."))
        return redirect(_page_url(request, page))
    kept = _kept_files(draft)
    # The draft is checked again as a whole: it may have been saved incomplete.
    form = page.get_form(draft.answers, {}, existing_files=kept, page=page, user=request.user)
    no_structure = page.applicants == page.Applicants.ORGANISATION and draft.organisation_id is None
    if not form.is_valid() or no_structure:
        messages.error(request, _("Certaines réponses sont à compléter avant de déposer la demande."))
        return _render(request, page, form=form, draft=draft)

    if request.method == "POST":
        try:
            citizen = ensure_citizen(request.user)
            # The page is already loaded (specific): the filing reads its team and delay without a query.
            draft.procedure = page
            if any(has_amount_field(name) for name in draft.answers):
                draft = request_amount_record(request=draft, actor=request.user)
            filed = request_submit(request=draft, actor=request.user, citizen=citizen)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect(_page_url(request, page, "procedure_review"))
        return redirect(_page_url(request, page, "procedure_confirmation", tracking_code=filed.tracking_code))

    return _render(
        request,
        page,
        draft=draft,
        rows=_answer_rows(page, form, draft.answers, kept),
        template="portal/procedure_review.html",
    )


def acknowledgement_url(filed: Request) -> str:
    """Where the citizen downloads the acknowledgement PDF (Mon espace)."""
    return reverse("espace:request_acknowledgement", kwargs={"code": filed.tracking_code})


def procedure_confirmation(request, page, tracking_code: str):
    """The filed request's tracking code, due date and acknowledgement (the account's own requests only)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), login_url())
    # The selector checks the rule (404 otherwise) and logs the citizen's read of their own request.
    filed = request_get(user=request.user, code=tracking_code, http_request=request)
    if filed.procedure_id != page.pk or filed.status == Request.Status.DRAFT or filed.account_id != request.user.pk:
        raise Http404
    return _render(
        request,
        page,
        filed=filed,
        acknowledgement_url=acknowledgement_url(filed),
        espace_url=reverse("espace:home"),
        template="portal/procedure_confirmation.html",
    )
