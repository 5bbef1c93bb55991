"""The social file in the back office: my caseload, the file page and its writes, document
download, one note, emergency access (bris de glace) and the DPO's review of emergency accesses.

Reads go through ``dossier_unique.selectors`` (permission filter in the query + one access-log row
per page). Writes are one ``dossier_unique.services`` call each, from a POST to their own URL; a
service ``ValidationError`` re-renders the file page with the typed values and French errors.
A user without the right gets 404 everywhere.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backoffice.files.forms import (
    AccompanimentCloseForm,
    AccompanimentOpenForm,
    AccompanimentTransferForm,
    CaseloadFilterForm,
    DocumentForm,
    EmergencyAccessForm,
    EmergencyReviewForm,
    GrantForm,
    MemberAddForm,
    NoteForm,
    TimelineFilterForm,
)
from dossier_unique import perms, services
from dossier_unique.limits import emergency_access_max_hours
from dossier_unique.models import (
    Accompaniment,
    EmergencyAccess,
    SocialFile,
)
from dossier_unique.selectors import (
    caseload_for,
    document_get,
    documents_for,
    emergency_access_current,
    emergency_accesses_to_review,
    file_get,
    file_to_break_glass_on,
    files_for,
    note_get,
    notes_for,
    timeline_for,
)
from grc.audit.models import AccessLog
from grc.audit.services import access_log_write
from grc.downloads import attachment_response
from grc.forms import add_service_error
from grc.selectors.citizens import citizen_get, citizen_households
from grc.selectors.organisation import teams_for_choice

CASELOAD_PAGE_SIZE = 25
TIMELINE_PAGE_SIZE = 50
NOTES_SHOWN = 50


def _visible_file(request, pk) -> SocialFile:
    """The file for a write (selector-limited, not logged: the write itself is recorded in history)."""
    return get_object_or_404(files_for(user=request.user), pk=pk)


def _file_url(file_pk, anchor=""):
    return reverse("backoffice:file_detail", args=[file_pk]) + (f"#{anchor}" if anchor else "")


# --- caseload ---------------------------------------------------------------------------------


def caseload(request):
    """Files I follow and my teams' files, with filters; one access-log row (it lists names)."""
    user = request.user
    if not perms.can_take_emergency_access(user):  # a current file role
        raise Http404
    form = CaseloadFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    files = caseload_for(
        user=user,
        programme=filters.get("programme") or "",
        status=filters.get("statut") or "",
        referent=bool(filters.get("referent")),
        contact=filters.get("contact") or "",
    )
    page = Paginator(files, CASELOAD_PAGE_SIZE).get_page(request.GET.get("page"))
    access_log_write(
        actor=user, action=AccessLog.Action.CITIZEN_SEARCH, purpose="liste de mes dossiers", request=request
    )
    return render(request, "backoffice/files/caseload.html", {"form": form, "page": page, "query": form.querystring()})


# --- file page ----------------------------------------------------------------------------------


def _render_file(request, pk, *, forms=None, status=200):
    """The file page. Writes exactly one access-log row (``file_get``); the lists pass ``log=False``.

    ``forms`` holds bound forms to show again with their errors (keyed by the context name, or
    ``("close", accompaniment_pk)`` / ``("transfer", accompaniment_pk)``).
    """
    forms = forms or {}

    def bound(key, make):
        form = forms.get(key)
        return form if form is not None else make()

    user = request.user
    file = file_get(user=user, pk=pk, request=request)
    citizen = file.citizen
    filter_form = TimelineFilterForm(request.GET or None)
    filters = filter_form.cleaned_data if filter_form.is_bound and filter_form.is_valid() else {}
    entries = timeline_for(
        user=user, file=file, programme=filters.get("programme"), kind=filters.get("type"), log=False
    )
    timeline_page = Paginator(entries, TIMELINE_PAGE_SIZE).get_page(request.GET.get("page"))
    accompaniments = list(file.accompaniments.select_related("team", "referent").order_by("status", "-start_date"))
    open_accompaniments = [a for a in accompaniments if a.is_open]
    notes = list(notes_for(user=user, file=file, log=False)[:NOTES_SHOWN])
    documents = list(documents_for(user=user, file=file, log=False))
    members = list(file.members.select_related("user").order_by("end_date", "start_date", "pk"))
    now = timezone.now()
    grants = list(file.grants.select_related("grantee_team", "grantee_user", "granted_by").order_by("-granted_at"))
    for grant in grants:
        grant.active = grant.is_active(now)
    emergency = emergency_access_current(user=user, file=file)
    manage_grants = perms.can_manage_grants(user, file)
    teams = teams_for_choice(user=user)
    my_team_ids = set(perms.current_team_ids(user).values_list("team_id", flat=True))
    my_teams = [t for t in teams if t.pk in my_team_ids]
    for accompaniment in open_accompaniments:
        accompaniment.can_manage = perms.can_manage_accompaniment(user, accompaniment)
        if accompaniment.can_manage:
            accompaniment.close_form = bound(
                ("close", accompaniment.pk), lambda a=accompaniment: AccompanimentCloseForm(accompaniment=a)
            )
            accompaniment.transfer_form = bound(
                ("transfer", accompaniment.pk),
                lambda a=accompaniment: AccompanimentTransferForm(
                    accompaniment=a, teams=[t for t in teams if t.pk != a.team_id]
                ),
            )
    timeline_query = filter_form.data.copy() if filter_form.is_bound else None
    if timeline_query is not None:
        timeline_query.pop("page", None)
    context = {
        "file": file,
        "citizen": citizen,
        "households": citizen_households(user=request.user, citizen_id=file.citizen_id),
        "accompaniments": accompaniments,
        "open_accompaniments": open_accompaniments,
        "closed_accompaniments": [a for a in accompaniments if not a.is_open],
        "filter_form": filter_form,
        "timeline_page": timeline_page,
        "timeline_query": timeline_query.urlencode() if timeline_query else "",
        "notes": notes,
        "notes_truncated": len(notes) == NOTES_SHOWN,
        "documents": documents,
        "members": members,
        "grants": grants,
        "emergency": emergency,
        "can_write": perms.can_write_note(user, file),
        "can_manage_grants": manage_grants,
        "can_open_accompaniment": bool(my_teams),
        "note_form": bound("note_form", lambda: NoteForm(accompaniments=open_accompaniments)),
        "document_form": bound("document_form", lambda: DocumentForm(accompaniments=open_accompaniments)),
        "member_form": bound("member_form", MemberAddForm),
        "grant_form": bound("grant_form", lambda: GrantForm(teams=teams)),
        "open_form": bound("open_form", lambda: AccompanimentOpenForm(teams=my_teams)),
    }
    return render(request, "backoffice/files/file_detail.html", context, status=status)


def file_detail(request, pk):
    return _render_file(request, pk)


def _done(request, file, message, anchor=""):
    messages.success(request, message)
    return redirect(_file_url(file.pk, anchor))


@require_POST
def note_write(request, pk):
    file = _visible_file(request, pk)
    if not perms.can_write_note(request.user, file):
        raise Http404
    open_accompaniments = list(file.accompaniments.filter(status=Accompaniment.Status.OPEN).select_related("team"))
    form = NoteForm(request.POST, accompaniments=open_accompaniments)
    if form.is_valid():
        try:
            services.note_write(
                file=file,
                author=request.user,
                text=form.cleaned_data["text"],
                kind=form.cleaned_data["kind"],
                visibility=form.cleaned_data["visibility"],
                accompaniment=form.cleaned_data["accompaniment"],
            )
        except (ValidationError, PermissionDenied) as error:
            add_service_error(form, error, default_field="text")
        else:
            return _done(request, file, _("La note a été enregistrée."), "notes")
    return _render_file(request, file.pk, forms={"note_form": form})


@require_POST
def document_add(request, pk):
    file = _visible_file(request, pk)
    if not perms.can_write_note(request.user, file):
        raise Http404
    open_accompaniments = list(file.accompaniments.filter(status=Accompaniment.Status.OPEN).select_related("team"))
    form = DocumentForm(request.POST, request.FILES, accompaniments=open_accompaniments)
    if form.is_valid():
        try:
            services.document_add(
                file=file,
                upload=form.cleaned_data["upload"],
                actor=request.user,
                doc_type=form.cleaned_data["doc_type"],
                accompaniment=form.cleaned_data["accompaniment"],
                tags=form.cleaned_data["tags"],
                confidential=form.cleaned_data["confidential"],
            )
        except (ValidationError, PermissionDenied) as error:
            add_service_error(form, error, default_field="upload")
        else:
            return _done(request, file, _("Le document a été déposé."), "documents")
    return _render_file(request, file.pk, forms={"document_form": form})


@require_POST
def member_add(request, pk):
    file = _visible_file(request, pk)
    if not perms.can_manage_grants(request.user, file):
        raise Http404
    form = MemberAddForm(request.POST)
    if form.is_valid():
        try:
            services.member_add(
                file=file,
                user=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                actor=request.user,
                may_see_personal_details=form.cleaned_data["may_see_personal_details"],
            )
        except (ValidationError, PermissionDenied) as error:
            add_service_error(form, error, default_field="email")
        else:
            return _done(request, file, _("L'intervenant a été ajouté."), "intervenants")
    return _render_file(request, file.pk, forms={"member_form": form})


@require_POST
def member_end(request, pk, member_pk):
    file = _visible_file(request, pk)
    member = get_object_or_404(file.members.select_related("user", "file"), pk=member_pk)
    if not (perms.can_manage_grants(request.user, file) or member.user_id == request.user.pk):
        raise Http404
    try:
        services.member_end(member=member, actor=request.user)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        return redirect(_file_url(file.pk, "intervenants"))
    return _done(request, file, _("L'intervention a pris fin."), "intervenants")


@require_POST
def grant_give(request, pk):
    file = _visible_file(request, pk)
    if not perms.can_manage_grants(request.user, file):
        raise Http404
    form = GrantForm(request.POST, teams=teams_for_choice(user=request.user))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.grant_give(
                file=file,
                actor=request.user,
                purpose=data["purpose"],
                legal_basis=data["legal_basis"],
                family_informed=data["family_informed"],
                family_not_informed_reason=data["family_not_informed_reason"],
                expires_at=form.expires_at(),
                grantee_team=data["grantee_team"],
                grantee_user=data["grantee_user"],
            )
        except (ValidationError, PermissionDenied) as error:
            add_service_error(form, error)
        else:
            return _done(request, file, _("Le partage a été accordé."), "partages")
    return _render_file(request, file.pk, forms={"grant_form": form})


@require_POST
def grant_revoke(request, pk, grant_pk):
    file = _visible_file(request, pk)
    grant = get_object_or_404(file.grants.select_related("file", "grantee_team", "grantee_user"), pk=grant_pk)
    if not perms.can_manage_grants(request.user, file):
        raise Http404
    try:
        services.grant_revoke(grant=grant, actor=request.user)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        return redirect(_file_url(file.pk, "partages"))
    return _done(request, file, _("Le partage a été révoqué."), "partages")


@require_POST
def accompaniment_open(request, pk):
    file = _visible_file(request, pk)
    my_team_ids = set(perms.current_team_ids(request.user).values_list("team_id", flat=True))
    my_teams = [t for t in teams_for_choice(user=request.user) if t.pk in my_team_ids]
    if not my_teams:
        raise Http404
    form = AccompanimentOpenForm(request.POST, teams=my_teams)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.accompaniment_open(
                file=file,
                programme=data["programme"],
                team=data["team"],
                actor=request.user,
                referent=data["referent"],
            )
        except (ValidationError, PermissionDenied) as error:
            add_service_error(form, error, default_field="programme")
        else:
            return _done(request, file, _("L'accompagnement a été ouvert."), "accompagnements")
    return _render_file(request, file.pk, forms={"open_form": form})


def _managed_accompaniment(request, file, accompaniment_pk) -> Accompaniment:
    accompaniment = get_object_or_404(
        file.accompaniments.select_related("file", "team", "referent"), pk=accompaniment_pk
    )
    if not perms.can_manage_accompaniment(request.user, accompaniment):
        raise Http404
    return accompaniment


@require_POST
def accompaniment_close(request, pk, accompaniment_pk):
    file = _visible_file(request, pk)
    accompaniment = _managed_accompaniment(request, file, accompaniment_pk)
    form = AccompanimentCloseForm(request.POST, accompaniment=accompaniment)
    if form.is_valid():
        try:
            services.accompaniment_close(
                accompaniment=accompaniment, reason=form.cleaned_data["reason"], actor=request.user
            )
        except (ValidationError, PermissionDenied) as error:
            add_service_error(form, error, default_field="reason")
        else:
            if not perms.can_view_file(request.user, file):
                messages.success(request, _("L'accompagnement a été clos ; vous n'avez plus accès à ce dossier."))
                return redirect("backoffice:caseload")
            return _done(request, file, _("L'accompagnement a été clos."), "accompagnements")
    return _render_file(request, file.pk, forms={("close", accompaniment.pk): form})


@require_POST
def accompaniment_transfer(request, pk, accompaniment_pk):
    file = _visible_file(request, pk)
    accompaniment = _managed_accompaniment(request, file, accompaniment_pk)
    teams = [t for t in teams_for_choice(user=request.user) if t.pk != accompaniment.team_id]
    form = AccompanimentTransferForm(request.POST, accompaniment=accompaniment, teams=teams)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.accompaniment_transfer(
                accompaniment=accompaniment,
                team=data["team"],
                reason=data["reason"],
                actor=request.user,
                referent=data["referent"],
            )
        except (ValidationError, PermissionDenied) as error:
            add_service_error(form, error, default_field="reason")
        else:
            if not perms.can_view_file(request.user, file):
                messages.success(request, _("L'accompagnement a été transféré ; vous n'avez plus accès à ce dossier."))
                return redirect("backoffice:caseload")
            return _done(request, file, _("L'accompagnement a été transféré."), "accompagnements")
    return _render_file(request, file.pk, forms={("transfer", accompaniment.pk): form})


# --- one document, one note ----------------------------------------------------------------------


def document_download(request, pk):
    """Stream one document as an attachment (logged ``document.download``); 404 unless allowed."""
    document = document_get(user=request.user, pk=pk, request=request)
    return attachment_response(
        file=document.content,
        filename=document.original_name or f"document-{document.pk}",
        content_type=document.content_type,
    )


def note_detail(request, pk):
    note = note_get(user=request.user, pk=pk, request=request)
    return render(request, "backoffice/files/note_detail.html", {"note": note, "file": note.file})


# --- emergency access ------------------------------------------------------------------------------


def emergency_access(request, citizen_pk):
    """Bris de glace: explain, ask for a written reason and a duration, then open the file."""
    user = request.user
    if not perms.can_take_emergency_access(user):
        raise Http404
    file = file_to_break_glass_on(user=user, citizen_id=citizen_pk)
    if file is not None and perms.can_view_file(user, file):
        return redirect(_file_url(file.pk))
    form = EmergencyAccessForm(request.POST or None)
    if request.method == "POST" and file is not None and form.is_valid():
        try:
            access = services.emergency_access_open(
                file=file, user=user, reason=form.cleaned_data["reason"], hours=form.cleaned_data["hours"]
            )
        except (ValidationError, PermissionDenied) as error:
            add_service_error(form, error, default_field="reason")
        else:
            messages.warning(
                request,
                _("Accès d'urgence ouvert jusqu'au %(until)s. Il est signalé au DPO.")
                % {"until": timezone.localtime(access.expires_at).strftime("%d/%m/%Y à %H:%M")},
            )
            return redirect(_file_url(file.pk))
    citizen = citizen_get(user=user, pk=citizen_pk, request=request, purpose="demande d'accès d'urgence")
    return render(
        request,
        "backoffice/files/emergency_access.html",
        {
            "citizen": citizen,
            "file": file,
            "form": form,
            "max_hours": emergency_access_max_hours(),
        },
    )


def emergency_review(request):
    """The DPO's list of emergency accesses not yet reviewed (who, which file, when, why)."""
    accesses = list(emergency_accesses_to_review(user=request.user, request=request))
    for access in accesses:
        access.review_form = EmergencyReviewForm(access=access)
    return render(request, "backoffice/files/emergency_review.html", {"accesses": accesses, "now": timezone.now()})


@require_POST
def emergency_review_mark(request, pk):
    if not perms.can_review_emergency_accesses(request.user):
        raise Http404
    access = get_object_or_404(EmergencyAccess, pk=pk, dpo_reviewed_at__isnull=True)
    form = EmergencyReviewForm(request.POST, access=access)
    if form.is_valid():
        services.emergency_access_review(access=access, actor=request.user, comment=form.cleaned_data["comment"])
        messages.success(request, _("L'accès d'urgence n° %(pk)s est marqué comme examiné.") % {"pk": access.pk})
    return redirect("backoffice:emergency_review")
