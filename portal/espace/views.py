"""Mon espace: the citizen's own requests (drafts included), messages, answers to requests for more
documents, acknowledgements, their data (JSON and PDF) and the list of accesses to their records.

Citizens only: a staff account gets a 404 (staff never browse a citizen's space). Every read goes
through ``demandes.selectors`` with the logged-in account; a request of someone else is a 404.
The citizen is ``request.user.citizen`` (none until their first filing: the space is then empty).
"""

from __future__ import annotations

import json
from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import select_template
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from demandes import perms, selectors, services
from demandes.models import Request
from demandes.pdf import acknowledgement_pdf
from grc.downloads import attachment_response
from grc.forms import add_service_error
from grc.pagination import requested_page
from grc.uploads import refusal_notices
from portal.accounts.selectors import requester_identity
from portal.espace import selectors as espace_selectors
from portal.espace.forms import AnswerForm, MessageForm, RightsRequestForm
from privacy import selectors as privacy_selectors
from privacy import services as privacy_services
from privacy.person_data.citizen import citizen_pdf
from travail import letters_selectors
from travail.letters_pdf import letter_pdf

ACCESSES_PAGE_SIZE = 50


def citizen_only(view):
    """Mon espace is for citizens' portal accounts; staff get a 404."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not perms.is_citizen_account(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _base_template() -> str:
    return select_template(["portal/base.html", "base.html"]).template.name


def _render(request, template, context=None, status=200):
    context = {"espace_base": _base_template(), **(context or {})}
    return render(request, template, context, status=status)


@citizen_only
def home(request):
    """My space: my requests (drafts first), links to my data and the accesses to my records."""
    requests = list(selectors.my_requests(user=request.user).select_related("procedure", "organisation"))
    return _render(
        request,
        "espace/home.html",
        {
            "drafts": [r for r in requests if r.status == Request.Status.DRAFT],
            "filed": [r for r in requests if r.status != Request.Status.DRAFT],
            "citizen": getattr(request.user, "citizen", None),
        },
    )


@citizen_only
def request_list(request):
    return redirect("espace:home")


def _detail(request, req, *, message_form=None, answer_form=None, status=200):
    detail = selectors.request_detail(request_obj=req, user=request.user)
    return _render(
        request,
        "espace/request_detail.html",
        {
            "req": req,
            **detail,
            "message_form": message_form or MessageForm(prefix="msg"),
            "answer_form": answer_form or AnswerForm(prefix="answer"),
            "is_draft": req.status == Request.Status.DRAFT,
            "resume_url": req.procedure.url if req.procedure_id and req.procedure else "",
        },
        status=status,
    )


@citizen_only
def request_detail(request, code):
    """One of my requests: status history, answers, files, thread, what is missing."""
    req = selectors.request_get(user=request.user, code=code, http_request=request)
    services.request_messages_mark_read(request=req, from_citizen=False)
    return _detail(request, req)


@citizen_only
@require_POST
def message_post(request, code):
    req = selectors.request_get(user=request.user, code=code, log=False)
    form = MessageForm(request.POST, request.FILES, prefix="msg")
    if form.is_valid():
        try:
            services.request_message_post(
                request=req,
                author=request.user,
                body=form.cleaned_data["body"],
                files=form.cleaned_data["files"],
                from_citizen=True,
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Votre message a été envoyé au service."))
            for notice in refusal_notices(form.cleaned_data["files"]):  # the others were attached
                messages.warning(request, notice)
            return redirect(reverse("espace:request_detail", args=[code]) + "#messages")
    return _detail(request, req, message_form=form, status=400)


@citizen_only
@require_POST
def draft_delete(request, code):
    """Delete one of my drafts (and its files)."""
    req = selectors.request_get(user=request.user, code=code, log=False)
    try:
        services.request_draft_delete(request=req, account=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Le brouillon « %(title)s » est supprimé.") % {"title": req.procedure_title})
    return redirect("espace:home")


@citizen_only
@require_POST
def answer(request, code):
    """Send what the service asked for (files and/or a message): the request goes back to review."""
    req = selectors.request_get(user=request.user, code=code, log=False)
    form = AnswerForm(request.POST, request.FILES, prefix="answer")
    if form.is_valid():
        try:
            services.request_citizen_answer(
                request=req, message=form.cleaned_data["message"], files=form.cleaned_data["files"], actor=request.user
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Merci : vos compléments ont été transmis au service."))
            for notice in refusal_notices(form.cleaned_data["files"]):  # the others were attached
                messages.warning(request, notice)
            return redirect("espace:request_detail", code=code)
    return _detail(request, req, answer_form=form, status=400)


@citizen_only
def acknowledgement(request, code):
    req = selectors.request_get(user=request.user, code=code, http_request=request)
    if req.status == Request.Status.DRAFT:
        raise Http404
    response = HttpResponse(acknowledgement_pdf(req), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="accuse-reception-{req.tracking_code}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@citizen_only
def attachment_download(request, pk):
    attachment = selectors.request_attachment_get(user=request.user, pk=pk, http_request=request)
    return attachment_response(
        file=attachment.file,
        filename=attachment.original_name or f"piece-{attachment.pk}",
        content_type=attachment.content_type,
    )


@citizen_only
def documents(request):
    """My documents: the letters the services put here and what I attached to my requests (there is no
    separate document safe yet)."""
    attachments = espace_selectors.my_attachments(user=request.user)
    letters = letters_selectors.portal_letters(user=request.user)
    return _render(request, "espace/documents.html", {"attachments": attachments, "letters": letters})


@citizen_only
def letter_download(request, pk):
    """A letter the services put in my space, its PDF made again from what was recorded."""
    letter = letters_selectors.portal_letter_get(user=request.user, pk=pk, http_request=request)
    response = HttpResponse(letter_pdf(letter), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="courrier-{letter.reference}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@citizen_only
def data(request):
    return _render(request, "espace/data.html", {"citizen": getattr(request.user, "citizen", None)})


@citizen_only
@require_http_methods(["GET", "POST"])
def rights(request):
    """Exercer mes droits: file a rights request (it lands in the DPO's register at once), then see my
    register entries and their status. POST then redirect; a refusal keeps what was typed."""
    # Bound on any POST, even an empty one: a submit without a choice says so.
    form = RightsRequestForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            gdpr_request = privacy_services.gdpr_request_from_portal(
                account=request.user,
                kind=form.cleaned_data["kind"],
                details=form.cleaned_data["details"],
                requester_identity=requester_identity(user=request.user, origin="formulaire « Exercer mes droits »"),
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _(
                    "Votre demande %(reference)s est enregistrée. Le délégué à la protection des données vous "
                    "répondra au plus tard le %(date)s ; un accusé de réception vous est envoyé par courriel."
                )
                % {"reference": gdpr_request.reference, "date": gdpr_request.deadline.strftime("%d/%m/%Y")},
            )
            return redirect(reverse("espace:rights") + "#mes-demandes")
    entries = list(privacy_selectors.my_gdpr_requests(user=request.user))
    return _render(
        request,
        "espace/rights.html",
        {"form": form, "entries": entries},
        status=400 if form.errors else 200,
    )


@citizen_only
def data_json(request):
    """Everything I may see about myself, as JSON (logged as ``CITIZEN_DATA_DOWNLOAD``)."""
    payload = privacy_selectors.my_data(user=request.user, http_request=request)
    response = HttpResponse(
        json.dumps(payload, ensure_ascii=False, indent=2, default=str), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="mes-donnees.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@citizen_only
def data_pdf(request):
    """The same data as a readable PDF."""
    payload = privacy_selectors.my_data(user=request.user, http_request=request)
    response = HttpResponse(citizen_pdf(payload=payload), content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="mes-donnees.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@citizen_only
def accesses(request):
    """Who consulted my records: date, action, team and role — never the person's name."""
    page_number = requested_page(request)
    rows = selectors.my_accesses(
        user=request.user,
        limit=ACCESSES_PAGE_SIZE + 1,
        offset=(page_number - 1) * ACCESSES_PAGE_SIZE,
        http_request=request,
    )
    if not rows and page_number > 1:
        raise Http404  # past the last page
    has_next = len(rows) > ACCESSES_PAGE_SIZE
    citizen = getattr(request.user, "citizen", None)
    return _render(
        request,
        "espace/accesses.html",
        {
            "rows": rows[:ACCESSES_PAGE_SIZE],
            "page_number": page_number,
            "has_next": has_next,
            "has_previous": page_number > 1,
            "citizen": citizen,
            "now": timezone.now(),
        },
    )
