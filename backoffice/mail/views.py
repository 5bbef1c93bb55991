"""Incoming mail in the back office: the mailroom (batch upload, lists), the qualification screen (scan
beside the suggestions), a letter's page with its history, and each team's bannette.

Reads go through ``mail.queues`` / ``mail.selectors`` (rules + access log); writes are one
service call each (``mail.services``). A letter the user may
not see is a 404. Mailroom agents see scans and suggestions, never social files: nothing here links
to a file page. Every form re-renders with what was typed and French messages on bad input.
"""

from __future__ import annotations

import io

import pypdfium2 as pdfium
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from PIL import Image, ImageOps

from backoffice.mail.forms import NO_CITIZEN, QUALIFY_PURPOSE, ForwardForm, QualifyForm, UploadForm
from backoffice.travail.subject_tasks import subject_tasks_context
from grc.forms import add_service_error
from grc.selectors.citizens import citizen_get, citizens_search
from mail import queues, services
from mail.ack import acknowledgement_available
from mail.classifier.selectors import mail_model_overview
from mail.classifier.services import mail_model_training_request
from mail.models import MailItem, MailModelTraining
from mail.perms import can_receive_mail, can_work_team_queue
from mail.selectors import mail_get, mail_items_for, mail_scan_open, mail_suggested_citizens

PAGE_SIZE = 50
# Page images for the viewer: wide enough to read a letter at 100 % zoom, small enough to load fast.
VIEW_DPI = 110
MAX_VIEW_WIDTH = 1400


# --- reading a letter -------------------------------------------------------------------------------


def _item(request, pk, *, purpose="") -> MailItem:
    """The letter if the user may see it (one ``MAIL_VIEW`` access-log row), else 404."""
    return mail_get(user=request.user, pk=pk, request=request, purpose=purpose)


def _mailroom_only(request):
    if not can_receive_mail(request.user):
        raise Http404


# --- mailroom ---------------------------------------------------------------------------------------


def mailroom(request):
    """Upload a batch (POST) and list the mailroom's letters by state (GET ``?etat=``)."""
    _mailroom_only(request)
    lines = None
    form = UploadForm(request.POST if request.method == "POST" else None)
    upload_error = ""
    if request.method == "POST":
        files = request.FILES.getlist("fichiers")
        if not files:
            upload_error = _("Choisissez au moins un fichier (PDF, JPEG, PNG ou TIFF).")
        elif form.is_valid():
            lines = services.mail_receive_batch(
                files=files, user=request.user, source="screen", label=form.cleaned_data["label"]
            )
            ok = sum(1 for line in lines if line.ok and not line.duplicate)
            if ok:
                messages.success(request, _("%(n)s courrier(s) enregistré(s).") % {"n": ok})
    state = request.GET.get("etat", "a_qualifier")
    if state not in queues.MAILROOM_STATES:
        state = "a_qualifier"
    items = queues.mailroom_queue(user=request.user, state=state, request=request)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "backoffice/mail/mailroom.html",
        {
            "form": form,
            "lines": lines,
            "upload_error": upload_error,
            "state": state,
            "states": _states(queues.mailroom_counts(user=request.user)),
            "page": page,
        },
        status=400 if upload_error else 200,
    )


def _states(counts):
    labels = {
        "a_qualifier": _("À qualifier"),
        "manuel": _("À traiter manuellement"),
        "en_cours": _("Reconnaissance en cours"),
        "qualifies": _("Qualifiés, à aiguiller"),
    }
    return [(key, labels[key], counts.get(key, 0)) for key in queues.MAILROOM_STATES]


@require_POST
def mail_retry(request, pk):
    """Put a letter of the manual queue back into recognition."""
    _mailroom_only(request)

    item = _item(request, pk)
    if item.status != MailItem.Status.MANUAL:
        messages.error(request, _("Ce courrier ne peut pas être relancé."))
    else:
        try:
            services.mail_retry(item=item, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Reconnaissance relancée pour %(n)s.") % {"n": item.registration_number})
    return redirect(f"{reverse('backoffice:mailroom')}?etat=manuel")


# --- scan pages -------------------------------------------------------------------------------------


def _render_page(item: MailItem, data: bytes, number: int) -> bytes:
    """PNG of page ``number`` (1-based) of the original, rendered server-side; Http404 past the end."""
    image = None
    if item.content_type == "application/pdf":
        pdf = pdfium.PdfDocument(data)
        try:
            if not 1 <= number <= len(pdf):
                raise Http404
            page = pdf[number - 1]
            width, _height = page.get_size()
            scale = min(VIEW_DPI / 72, MAX_VIEW_WIDTH / max(width, 1))
            image = page.render(scale=scale, grayscale=True).to_pil()
            page.close()
        finally:
            pdf.close()
    else:
        with Image.open(io.BytesIO(data)) as source:
            frames = getattr(source, "n_frames", 1)
            if not 1 <= number <= frames:
                raise Http404
            source.seek(number - 1)
            image = ImageOps.exif_transpose(source) if source.format == "JPEG" else source.copy()
            image = image.convert("L")
    if image.width > MAX_VIEW_WIDTH:
        image = image.resize((MAX_VIEW_WIDTH, round(image.height * MAX_VIEW_WIDTH / image.width)))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def mail_page(request, pk, number):
    """One page of a scan as PNG: permission-checked, one ``MAIL_SCAN_VIEW`` access-log row, not cached."""
    item, original = mail_scan_open(user=request.user, pk=pk, request=request, purpose=f"page {number}")
    with original:
        data = original.read()
    response = HttpResponse(_render_page(item, data, number), content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- qualification ----------------------------------------------------------------------------------


def _initial(item: MailItem, suggested: list[dict]) -> dict:
    """The form's values from the agent's earlier decision, else the best suggestions."""
    s = item.suggestions or {}
    if item.status == MailItem.Status.QUALIFIED:
        return {
            "citizen": NO_CITIZEN if item.no_citizen else (item.citizen_id or ""),
            "mail_type": item.mail_type_id,
            "team": item.team_id,
            "due_date": item.due_date,
            "tracking_code": item.request.tracking_code if item.request_id else "",
        }
    initial = {}
    # Below the model's calibrated confidence the type and team are hints only, never preselected
    # (suggestions stored before abstention existed have no "preselect": theirs were preselected).
    preselect = s.get("preselect") or {"mail_type": True, "team": True}
    if suggested:
        initial["citizen"] = suggested[0]["id"]
    if s.get("mail_type") and preselect.get("mail_type"):
        initial["mail_type"] = s["mail_type"][0]["id"]
    if s.get("team") and preselect.get("team"):
        initial["team"] = s["team"][0]["id"]
    if s.get("due_date"):
        initial["due_date"] = s["due_date"]
    if s.get("request"):
        initial["tracking_code"] = s["request"]["tracking_code"]
    return initial


def _candidates(suggested, form, search_hits, *, user, request):
    """Citizen choices: the suggestions (with score and reasons), then search results, then the chosen one."""
    rows = list(suggested)
    seen = {row["id"] for row in rows}
    for hit in search_hits:
        if hit.citizen.pk not in seen:
            rows.append({"id": hit.citizen.pk, "label": _label(hit.citizen), "score": None, "reasons": []})
            seen.add(hit.citizen.pk)
    chosen = form["citizen"].value()
    if chosen and str(chosen).isdigit() and int(chosen) not in seen:
        try:
            citizen = citizen_get(user=user, pk=int(chosen), request=request, purpose=QUALIFY_PURPOSE)
        except Http404:
            citizen = None
        if citizen:
            rows.append({"id": citizen.pk, "label": _label(citizen), "score": None, "reasons": []})
    return rows


def _label(citizen) -> str:
    label = citizen.display_name
    if citizen.birth_date:
        label += f" — {citizen.birth_date:%d/%m/%Y}"
    return label


def mail_qualify(request, pk):
    """The scan beside the suggestions; confirm or correct, then qualify (and route) in one POST."""
    _mailroom_only(request)
    item = _item(request, pk, purpose="qualification")
    if item.status not in (MailItem.Status.RECOGNISED, MailItem.Status.MANUAL, MailItem.Status.QUALIFIED):
        messages.info(request, _("Ce courrier est déjà aiguillé."))
        return redirect("backoffice:mail_detail", pk=item.pk)
    search_hits = []
    searched = False
    status = 200
    if request.method == "POST":
        form = QualifyForm(request.POST, user=request.user, request=request)
        action = request.POST.get("action", "route")
        query = (request.POST.get("q") or "").strip()
        if action == "route" and query and query != (request.POST.get("searched_q") or "").strip():
            # Enter pressed in the search field (implicit submission uses the first button): a search.
            action = "search"
        if action == "search":
            searched = True
            form.is_valid()  # keep what was typed; errors are not shown for a search
            form._errors = {}
            if len(query) >= 2:
                search_hits = citizens_search(user=request.user, query=query, limit=10, request=request)
            else:
                form.add_error("q", _("Saisissez au moins deux lettres du nom."))
                status = 400
        elif form.is_valid():
            done = _qualify(request, item, form, route=(action == "route"))
            if done is not None:
                return done
            status = 400
        else:
            status = 400
    # The suggested citizens as they are now, each logged as shown: read only when the page is shown
    # (a successful POST has redirected above).
    suggested = mail_suggested_citizens(user=request.user, item=item, request=request)
    if request.method != "POST":
        form = QualifyForm(initial=_initial(item, suggested), user=request.user, request=request)
    context = {
        "item": item,
        "form": form,
        "candidates": _candidates(suggested, form, search_hits, user=request.user, request=request),
        "searched": searched,
        "search_count": len(search_hits),
        "suggestions": item.suggestions or {},
        "preselect": (item.suggestions or {}).get("preselect") or {"mail_type": True, "team": True},
        "pages": range(1, max(item.page_count, 1) + 1),
        "next_item": _next_item(request.user, item),
    }
    return render(request, "backoffice/mail/qualify.html", context, status=status)


def _qualify(request, item, form, *, route):
    data = form.cleaned_data
    citizen = data.get("citizen")
    no_citizen = citizen == NO_CITIZEN
    if no_citizen:
        citizen = None
    if citizen is not None:
        # Attaching a letter to a citizen reads their identity: logged like any other identity view.
        citizen = citizen_get(user=request.user, pk=citizen.pk, request=request, purpose="qualification courrier")
    try:
        services.mail_qualify(
            item=item,
            actor=request.user,
            citizen=citizen,
            no_citizen=no_citizen,
            mail_type=data.get("mail_type"),
            team=data.get("team"),
            due_date=data.get("due_date"),
            request=data.get("tracking_code"),
            open_request=data.get("open_request", False),
        )
        if route:
            services.mail_route(item=item, actor=request.user)
    except ValidationError as error:
        add_service_error(form, error, fields={"request": "tracking_code"})
        return None
    if route:
        messages.success(
            request,
            _("Courrier %(n)s aiguillé vers %(team)s.") % {"n": item.registration_number, "team": item.team.name},
        )
    else:
        messages.success(request, _("Courrier %(n)s qualifié.") % {"n": item.registration_number})
    following = _next_item(request.user, item)
    if following is not None:
        return redirect("backoffice:mail_qualify", pk=following.pk)
    return redirect("backoffice:mailroom")


def _next_item(user, item):
    """The next letter waiting for qualification (oldest first), to chain qualifications."""
    return (
        mail_items_for(user=user)
        .filter(status=MailItem.Status.RECOGNISED)
        .exclude(pk=item.pk)
        .order_by("received_at", "id")
        .only("pk", "registration_number")
        .first()
    )


# --- a letter and its history -----------------------------------------------------------------------


def mail_detail(request, pk, *, forward_form=None, status=200):
    item = _item(request, pk)

    can_work = item.team_id is not None and can_work_team_queue(request.user, item.team)
    context = {
        "item": item,
        "events": item.events.select_related("actor", "team"),
        "suggestions": item.suggestions or {},
        "pages": range(1, max(item.page_count, 1) + 1),
        "is_mailroom": can_receive_mail(request.user),
        "can_work": can_work and item.status == MailItem.Status.ROUTED,
        "forward_form": forward_form or ForwardForm(),
        "ack": acknowledgement_available(item) and (can_work or can_receive_mail(request.user)),
        "today": timezone.localdate(),
        **(subject_tasks_context(request, mail_item=item) if can_work else {}),
    }
    return render(request, "backoffice/mail/detail.html", context, status=status)


def _worked_item(request, pk) -> MailItem:
    item = _item(request, pk)
    if item.team_id is None or not can_work_team_queue(request.user, item.team):
        raise Http404
    return item


@require_POST
def mail_take(request, pk):
    """Assign to me."""

    item = _worked_item(request, pk)
    try:
        services.mail_assign(item=item, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Le courrier %(n)s vous est attribué.") % {"n": item.registration_number})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("backoffice:mail_detail", args=[item.pk])
    return redirect(target)


@require_POST
def mail_done(request, pk):
    """Mark handled."""

    item = _worked_item(request, pk)
    team_pk = item.team_id
    try:
        services.mail_handle(item=item, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("backoffice:mail_detail", pk=item.pk)
    messages.success(request, _("Courrier %(n)s traité.") % {"n": item.registration_number})
    return redirect("backoffice:mail_team_queue", team_pk=team_pk)


@require_POST
def mail_forward(request, pk):

    item = _worked_item(request, pk)
    form = ForwardForm(request.POST)
    if form.is_valid():
        team_pk = item.team_id
        try:
            services.mail_forward(
                item=item, team=form.cleaned_data["team"], reason=form.cleaned_data["reason"], actor=request.user
            )
        except ValidationError as error:
            add_service_error(form, error, fields={"request": "tracking_code"})
        else:
            messages.success(
                request,
                _("Courrier %(n)s transféré à %(team)s.")
                % {"n": item.registration_number, "team": form.cleaned_data["team"].name},
            )
            return redirect("backoffice:mail_team_queue", team_pk=team_pk)
    return mail_detail(request, pk, forward_form=form, status=400)


@require_POST
def mail_acknowledgement(request, pk):
    """Download the acknowledgement of receipt (PDF); recorded in the letter's history."""

    item = _item(request, pk)
    if not (can_receive_mail(request.user) or (item.team_id and can_work_team_queue(request.user, item.team))):
        raise Http404
    try:
        data = services.mail_acknowledge(item=item, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("backoffice:mail_detail", pk=item.pk)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="accuse-reception-{item.registration_number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- team bannettes ---------------------------------------------------------------------------------


def mail_team_queues(request):
    """My teams' bannettes: straight to it when I have one team."""
    teams = queues.team_queue_teams(request.user)
    if not teams:
        raise Http404
    if len(teams) == 1:
        return redirect("backoffice:mail_team_queue", team_pk=teams[0].pk)
    return render(request, "backoffice/mail/team_list.html", {"teams": teams})


SCOPE_LABELS = {
    "tous": gettext_lazy("À traiter"),
    "moi": gettext_lazy("Attribués à moi"),
    "non_attribues": gettext_lazy("Non attribués"),
    "traites": gettext_lazy("Traités"),
}


def mail_team_queue(request, team_pk):
    scope = request.GET.get("vue", "tous")
    if scope not in queues.TEAM_SCOPES:
        scope = "tous"
    team, items = queues.team_queue(user=request.user, team_pk=team_pk, scope=scope, request=request)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "backoffice/mail/team_queue.html",
        {
            "team": team,
            "page": page,
            "scope": scope,
            "scopes": list(SCOPE_LABELS.items()),
            "today": timezone.localdate(),
            "teams": queues.team_queue_teams(request.user),
        },
    )


# --- the classifier (functional admins) -------------------------------------------------------------


def mail_model(request):
    """The mail classifier: version, training date, examples per type, cross-validated figures, and the
    training in progress (the page refreshes itself while one waits or runs)."""
    return render(request, "backoffice/mail/model.html", mail_model_overview(user=request.user))


@require_POST
def mail_model_retrain(request):
    """ "Réentraîner maintenant": a training queued for the worker; the page shows its progress."""
    try:
        mail_model_training_request(trigger=MailModelTraining.Trigger.MANUAL, actor=request.user)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Entraînement demandé : il apparaît ci-dessous en attente puis en cours, et cette page se met à jour."),
        )
    return redirect("backoffice:mail_model")
