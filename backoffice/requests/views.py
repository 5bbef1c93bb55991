"""Requests (demandes) in the back office: team queues, the instruction screen and its transitions,
attachment downloads, and agent-assisted filing at a social counter.

Reads go through ``demandes.selectors`` (permission filter in SQL + one access-log row per page);
each write is one ``demandes.services`` call from a POST to its own URL. A service
``ValidationError`` re-renders the instruction screen with what was typed and French errors next to
the field. A request, queue or attachment the user may not see is a 404.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backoffice.requests.decision_forms import GrantForm
from backoffice.requests.forms import (
    AcceptForm,
    AskCitizenForm,
    CounterForm,
    ForwardForm,
    MessageForm,
    QueueFilterForm,
    ReasonForm,
)
from backoffice.travail.message_templates import message_template_prefill
from backoffice.travail.subject_tasks import subject_tasks_context
from demandes import perms, selectors, services
from demandes.models import Request
from demandes.notaries import is_notary_request
from demandes.pdf import acknowledgement_pdf
from grc.downloads import attachment_response
from grc.forms import add_service_error
from grc.selectors.citizens import citizen_get, citizens_search
from grc.selectors.organisation import teams_to_forward_to
from grc.uploads import refusal_notices
from portal.selectors import procedures_for_counter

S = Request.Status


# --- helpers ------------------------------------------------------------------------------------


def _detail_url(code, anchor=""):
    return reverse("backoffice:request_detail", args=[code]) + (f"#{anchor}" if anchor else "")


def _require_agent(user):
    if not perms.is_agent(user):
        raise Http404


def _json_value(value):
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


# --- queues -------------------------------------------------------------------------------------


def queue_home(request):
    """The teams whose queue I work; straight to the queue when there is only one."""
    teams = selectors.queue_teams(user=request.user)
    if not teams:
        raise Http404
    if len(teams) == 1:
        return redirect("backoffice:request_queue", team_id=teams[0].pk)
    return render(request, "backoffice/requests/queue_home.html", {"teams": teams})


def queue(request, team_id):
    """A team's queue: filters, overdue first, pagination; one access-log row."""
    _require_agent(request.user)
    # The selector checks membership (404) and ignores filter values it does not know.
    team, requests, counts = selectors.request_queue(
        user=request.user,
        team_id=team_id,
        status=request.GET.get("statut", ""),
        procedure=request.GET.get("demarche", "")[:255],
        assigned=request.GET.get("attribution", ""),
        http_request=request,
    )
    form = QueueFilterForm(request.GET or None, procedures=selectors.queue_procedures(team_id=team_id))
    if form.is_bound:
        form.is_valid()
    page = Paginator(requests, selectors.QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "backoffice/requests/queue.html",
        {
            "team": team,
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "today": timezone.localdate(),
            "counts": [(label, counts.get(value, 0)) for value, label in S.choices if value != S.DRAFT],
            "teams": selectors.queue_teams(user=request.user),
        },
    )


@require_POST
def assign_me(request, code):
    """'M'attribuer' from the queue or the instruction screen."""
    _require_agent(request.user)
    req = selectors.request_get(user=request.user, code=code, log=False)
    try:
        services.request_assign(request=req, user=request.user, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("La demande %(code)s vous est attribuée.") % {"code": code})
    next_url = request.POST.get("next", "")
    if next_url.startswith("/backoffice/") and "//" not in next_url:
        return redirect(next_url)
    return redirect(_detail_url(code))


# --- instruction screen -------------------------------------------------------------------------


def _detail(request, req, *, forms_bound=None, status=200):
    user = request.user
    message_templates, template_text = message_template_prefill(request, req)
    forms_ = {
        "ask_form": AskCitizenForm(prefix="ask"),
        "accept_form": AcceptForm(prefix="accept"),
        "refuse_form": ReasonForm(prefix="refuse"),
        "close_form": ReasonForm(prefix="close"),
        "forward_form": ForwardForm(prefix="forward"),
        "message_form": MessageForm(prefix="msg", initial={"body": template_text}),
    }
    forms_["forward_form"].fields["team"].queryset = teams_to_forward_to(user=user, current_team_id=req.team_id)
    forms_["grant_form"] = GrantForm(prefix="grant", amount_requested=req.amount_requested)
    forms_.update(forms_bound or {})
    detail = selectors.request_detail(request_obj=req, user=user)
    can_work = perms.can_work_request(user, req)
    allowed = {action for action, sources in services.ALLOWED.items() if req.status in sources}
    context = {
        "req": req,
        **detail,
        **forms_,
        "can_work": can_work,
        "message_templates": message_templates,
        "allowed": allowed,
        # A subsidy is granted with its amount, a notary answered on its own screen (backoffice.requests.decisions).
        "decision_screen": "notary" if is_notary_request(req) else "grant" if req.amount_requested is not None else "",
        "agents": selectors.team_agents(team_id=req.team_id) if req.team_id else [],
        "today": timezone.localdate(),
        **subject_tasks_context(request, request=req),
    }
    return render(request, "backoffice/requests/detail.html", context, status=status)


def detail(request, code):
    """The instruction screen: answers, attachments, status history, messages, transitions."""
    _require_agent(request.user)
    req = selectors.request_get(user=request.user, code=code, http_request=request)
    services.request_messages_mark_read(request=req, from_citizen=True)
    return _detail(request, req)


def _transition_view(request, code, *, form_class, prefix, run, success, anchor="actions", form_key=""):
    _require_agent(request.user)
    req = selectors.request_get(user=request.user, code=code, log=False)
    if not perms.can_work_request(request.user, req):
        raise Http404
    form = form_class(request.POST, request.FILES, prefix=prefix) if form_class else None
    form_key = form_key or f"{prefix}_form"
    if form is not None and not form.is_valid():
        return _detail(request, req, forms_bound={form_key: form}, status=400)
    try:
        run(req, form.cleaned_data if form is not None else {})
    except ValidationError as error:
        if form is None:
            messages.error(request, " ".join(error.messages))
            return redirect(_detail_url(code))
        add_service_error(form, error)
        if not hasattr(error, "error_dict"):  # e.g. a transition not allowed: its form may be hidden
            messages.error(request, " ".join(error.messages))
        return _detail(request, req, forms_bound={form_key: form}, status=400)
    messages.success(request, success)
    for value in form.cleaned_data.values() if form is not None else ():
        for notice in refusal_notices(value):  # the files the gate refused; the others were attached
            messages.warning(request, notice)
    return redirect(_detail_url(code, anchor))


@require_POST
def take_in_review(request, code):
    return _transition_view(
        request,
        code,
        form_class=None,
        prefix="review",
        run=lambda req, data: services.request_take_in_review(request=req, actor=request.user),
        success=_("La demande est en cours d'instruction."),
    )


@require_POST
def ask_citizen(request, code):
    return _transition_view(
        request,
        code,
        form_class=AskCitizenForm,
        prefix="ask",
        run=lambda req, data: services.request_ask_citizen(
            request=req, missing_items=data["missing_items"], message=data["message"], actor=request.user
        ),
        success=_("La demande de compléments a été envoyée à l'usager."),
    )


@require_POST
def accept(request, code):
    return _transition_view(
        request,
        code,
        form_class=AcceptForm,
        prefix="accept",
        run=lambda req, data: services.request_accept(request=req, reason=data["reason"], actor=request.user),
        success=_("La demande est acceptée ; l'usager en est informé."),
    )


@require_POST
def refuse(request, code):
    return _transition_view(
        request,
        code,
        form_class=ReasonForm,
        prefix="refuse",
        run=lambda req, data: services.request_refuse(request=req, reason=data["reason"], actor=request.user),
        success=_("La demande est refusée ; l'usager en est informé."),
    )


@require_POST
def close(request, code):
    return _transition_view(
        request,
        code,
        form_class=ReasonForm,
        prefix="close",
        run=lambda req, data: services.request_close(request=req, reason=data["reason"], actor=request.user),
        success=_("La demande est classée sans suite."),
    )


@require_POST
def forward(request, code):
    _require_agent(request.user)
    req = selectors.request_get(user=request.user, code=code, log=False)
    if not perms.can_work_request(request.user, req):
        raise Http404
    form = ForwardForm(request.POST, prefix="forward")
    form.fields["team"].queryset = teams_to_forward_to(user=request.user, current_team_id=req.team_id)
    if form.is_valid():
        try:
            services.request_forward(
                request=req, team=form.cleaned_data["team"], reason=form.cleaned_data["reason"], actor=request.user
            )
        except ValidationError as error:
            add_service_error(form, error, default_field="reason")
        else:
            messages.success(
                request, _("La demande a été transmise à « %(team)s ».") % {"team": form.cleaned_data["team"]}
            )
            # The request may now be out of my reach: back to my queues.
            return redirect("backoffice:request_queue_home")
    return _detail(request, req, forms_bound={"forward_form": form}, status=400)


@require_POST
def assign(request, code):
    _require_agent(request.user)
    req = selectors.request_get(user=request.user, code=code, log=False)
    if not perms.can_work_request(request.user, req):
        raise Http404
    agents = {str(a.pk): a for a in selectors.team_agents(team_id=req.team_id)} if req.team_id else {}
    value = request.POST.get("agent", "")
    if value and value not in agents:
        messages.error(request, _("Choisissez un agent de l'équipe."))
        return redirect(_detail_url(code, "actions"))
    try:
        services.request_assign(request=req, user=agents.get(value), actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Attribution enregistrée."))
    return redirect(_detail_url(code, "actions"))


@require_POST
def message_post(request, code):
    return _transition_view(
        request,
        code,
        form_class=MessageForm,
        prefix="msg",
        run=lambda req, data: services.request_message_post(
            request=req, author=request.user, body=data["body"], files=data["files"], from_citizen=False
        ),
        success=_("Message envoyé ; l'usager est prévenu par courriel."),
        anchor="messages",
        form_key="message_form",
    )


def attachment_download(request, pk):
    """One attachment of a request I may see (404 otherwise), logged, never rendered inline."""
    _require_agent(request.user)
    attachment = selectors.request_attachment_get(user=request.user, pk=pk, http_request=request)
    return attachment_response(
        file=attachment.file,
        filename=attachment.original_name or f"piece-{attachment.pk}",
        content_type=attachment.content_type,
    )


# --- agent-assisted filing at a counter ---------------------------------------------------------


def counter_start(request):
    """Step 1: find the citizen (the citizen search of the reference)."""
    if not perms.can_file_at_counter(request.user):
        raise Http404
    query = request.GET.get("q", "").strip()[:200]
    hits = None
    if query:
        hits = citizens_search(user=request.user, query=query, request=request, limit=15)
    return render(request, "backoffice/requests/counter_start.html", {"query": query, "hits": hits})


def _procedure_form(request, procedure):
    """The procedure page's own form (its questions), bound on POST; None without a procedure."""
    if procedure is None or not hasattr(procedure, "get_form"):
        return None
    data = (request.POST, request.FILES) if request.method == "POST" else ()
    try:
        return procedure.get_form(*data, page=procedure, user=request.user, prefix="f")
    except TypeError:  # a form builder that does not take a prefix
        return procedure.get_form(*data, page=procedure, user=request.user)


def _counter_answers(form, page_form) -> tuple[dict, dict]:
    """What to file: the procedure form's answers (as JSON values) and files, the agent's notes, the uploads."""
    answers, files = {}, {}
    if page_form is not None:
        for name, value in page_form.cleaned_data.items():
            if isinstance(value, UploadedFile):
                files[name] = value
            elif value not in (None, ""):
                answers[name] = _json_value(value)
    if form.cleaned_data["answers_text"].strip():
        answers["notes_guichet"] = form.cleaned_data["answers_text"].strip()
    for index, upload in enumerate(form.cleaned_data["files"], start=1):
        files[f"piece_{index}"] = upload
    return answers, files


def _counter_errors(error: ValidationError, form, page_form) -> None:
    """A refusal of the service next to its field: the procedure form's, the counter form's or the uploads'."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, errors in error.error_dict.items():
        msgs = [m for e in errors for m in e.messages]
        if page_form is not None and field in page_form.fields:
            page_form.add_error(field, msgs)
        else:
            form.add_error(field if field in form.fields else ("files" if field.startswith("piece") else None), msgs)


def _counter_filed(request, req, form):
    """After filing: the request's page if the agent may see it, else the page with its code to print."""
    messages.success(
        request,
        _("Demande %(code)s déposée pour l'usager ; l'accusé de réception peut être imprimé.")
        % {"code": req.tracking_code},
    )
    for notice in refusal_notices(form.cleaned_data["files"]):
        messages.warning(request, notice)
    if perms.can_view_request(request.user, req):
        return redirect(_detail_url(req.tracking_code))
    return redirect("backoffice:request_counter_done", code=req.tracking_code)


def counter_file(request, citizen_pk):
    """Step 2: choose the procedure, fill its answers, record consent and who typed; file it."""
    if not perms.can_file_at_counter(request.user):
        raise Http404
    citizen = citizen_get(user=request.user, pk=citizen_pk, request=request, purpose="dépôt d'une demande au guichet")
    pages = procedures_for_counter(user=request.user)
    procedure_id = request.POST.get("procedure") or request.GET.get("procedure")
    procedure = pages.filter(pk=procedure_id).first() if procedure_id and str(procedure_id).isdigit() else None
    page_form = _procedure_form(request, procedure)
    form = CounterForm(request.POST or None, request.FILES or None, procedure=procedure, prefix="c")
    if request.method == "POST":
        page_valid = page_form is None or page_form.is_valid()
        if form.is_valid() and page_valid:
            answers, files = _counter_answers(form, page_form)
            try:
                req = services.request_open(
                    citizen=citizen,
                    procedure_title=procedure.title if procedure else form.cleaned_data["procedure_title"],
                    team=form.cleaned_data["team"],
                    channel=Request.Channel.COUNTER,
                    actor=request.user,
                    procedure=procedure,
                    answers=answers,
                    consent_at=timezone.now(),
                    typed_by=form.cleaned_data["typed_by"],
                    files=files,
                )
            except ValidationError as error:
                _counter_errors(error, form, page_form)
            else:
                return _counter_filed(request, req, form)
    return render(
        request,
        "backoffice/requests/counter_file.html",
        {"citizen": citizen, "form": form, "page_form": page_form, "procedures": list(pages), "procedure": procedure},
        status=400 if request.method == "POST" else 200,
    )


def counter_done(request, code):
    """After filing for another team: the code and the acknowledgement to print (not the request itself)."""
    if not perms.can_file_at_counter(request.user):
        raise Http404
    req = selectors.request_filed_by(user=request.user, code=code, http_request=request)
    return render(request, "backoffice/requests/counter_done.html", {"req": req})


def counter_acknowledgement(request, code):
    """The acknowledgement PDF of a request I filed at the counter (or may see), to print for the citizen."""
    _require_agent(request.user)
    req = selectors.request_filed_by(user=request.user, code=code, http_request=request)
    response = HttpResponse(acknowledgement_pdf(req), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="accuse-reception-{req.tracking_code}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
