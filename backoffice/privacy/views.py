"""The DPO's GDPR screens: the register of rights requests (deadlines, late first), one request with its
history, access-right archives (compile, download), erasures (asked for here, run by the worker), portal
account deletion requests (erase the account or refuse, from their register entry), and retention (rules,
dry run, runs, exports).

Only the DPO (``grc.perms.require_dpo``) reaches these pages; anyone else gets 404. Reads go through
``privacy.selectors``, writes through ``privacy.services`` / ``retention`` / ``archive``.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backoffice.privacy.forms import (
    AccountEraseForm,
    AccountRefuseForm,
    ArchiveForm,
    ExtendForm,
    GdprRequestForm,
    RuleForm,
    TransitionForm,
    WithholdingForm,
)
from grc.forms import add_service_error
from grc.perms import require_dpo
from portal.accounts import selectors as account_selectors
from portal.accounts import services as account_services
from portal.accounts.models import AccountDeletionRequest
from privacy import archive as archive_services
from privacy import models as privacy_models
from privacy import retention, selectors, services
from privacy.models import GdprRequest, RetentionRun

PAGE_SIZE = 50


# --- register ---------------------------------------------------------------------------------


def request_list(request):
    include_closed = request.GET.get("toutes") == "1"
    queryset = selectors.gdpr_requests_for(user=request.user, include_closed=include_closed)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for item in page.object_list:
        item.late = item.is_late(today)
        item.left = item.days_left(today)
    return render(request, "backoffice/privacy/request_list.html", {"page": page, "include_closed": include_closed})


def request_create(request):
    require_dpo(request.user)
    form = GdprRequestForm(
        request.POST or None, user=request.user, request=request, initial={"received_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            gdpr_request = services.gdpr_request_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("Demande %(ref)s enregistrée : réponse due au plus tard le %(date)s.")
                % {"ref": gdpr_request.reference, "date": gdpr_request.deadline.strftime("%d/%m/%Y")},
            )
            return redirect(gdpr_request.get_absolute_url())
    return render(request, "backoffice/privacy/request_form.html", {"form": form, "gdpr_request": None})


def request_edit(request, pk):
    gdpr_request = selectors.gdpr_request_get(user=request.user, pk=pk, request=request)
    initial = {
        "kind": gdpr_request.kind,
        "requester_identity": gdpr_request.requester_identity,
        "details": gdpr_request.details,
        "citizen": gdpr_request.citizen_id,
        "received_on": gdpr_request.received_on,
        "channel": gdpr_request.channel,
        "owner": gdpr_request.owner_id or "",
        "notes": gdpr_request.notes,
    }
    form = GdprRequestForm(request.POST or None, user=request.user, request=request, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.gdpr_request_update(gdpr_request=gdpr_request, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("La demande %(ref)s est modifiée.") % {"ref": gdpr_request.reference})
            return redirect(gdpr_request.get_absolute_url())
    return render(request, "backoffice/privacy/request_form.html", {"form": form, "gdpr_request": gdpr_request})


def _detail(
    request,
    gdpr_request,
    *,
    transition_form=None,
    extend_form=None,
    erase_form=None,
    refuse_form=None,
    status=200,
):
    history = list(gdpr_request.history.select_related("history_user").order_by("-history_date"))
    account_deletion = account_selectors.deletion_request_for_register(
        user=request.user, gdpr_request=gdpr_request, request=request
    )
    review_notes, review_documents, review_letters = [], [], []
    if gdpr_request.citizen_id and gdpr_request.kind in (GdprRequest.Kind.ACCESS, GdprRequest.Kind.PORTABILITY):
        review_notes, review_documents, review_letters = selectors.archive_review_items(
            user=request.user, citizen_id=gdpr_request.citizen_id, request=request
        )
    archives = list(gdpr_request.archives.order_by("-created_at"))
    # The page refreshes itself while an archive is being prepared (not for one whose worker died).
    archive_pending = any(a.is_live for a in archives)
    erasures = list(gdpr_request.erasures.select_related("requested_by").order_by("-requested_at", "-pk"))
    # The same for an erasure waiting for the worker or running; the button is not offered meanwhile, nor
    # once one is done.
    erasure_active = any(e.is_live for e in erasures)
    erasure_done = any(e.is_done for e in erasures)
    return render(
        request,
        "backoffice/privacy/request_detail.html",
        {
            "gdpr_request": gdpr_request,
            "history": history,
            "late": gdpr_request.is_late(),
            "days_left": gdpr_request.days_left(),
            "days_late": -gdpr_request.days_left(),
            "transition_form": transition_form or TransitionForm(gdpr_request=gdpr_request),
            "extend_form": extend_form or ExtendForm(),
            "archive_form": ArchiveForm(),
            "archives": archives,
            "archive_pending": archive_pending,
            "erasures": erasures,
            "erasure_active": erasure_active,
            "erasure_done": erasure_done,
            "account_deletion": account_deletion,
            "account_deletion_open": account_deletion is not None
            and account_deletion.status == AccountDeletionRequest.Status.OPEN,
            "erase_form": erase_form or AccountEraseForm(),
            "refuse_form": refuse_form or AccountRefuseForm(),
            "review_notes": review_notes,
            "review_documents": review_documents,
            "review_letters": review_letters,
            "can_extend": gdpr_request.status
            in (GdprRequest.Status.RECEIVED, GdprRequest.Status.IDENTITY_CHECK, GdprRequest.Status.IN_PROGRESS),
        },
        status=status,
    )


def request_detail(request, pk):
    gdpr_request = selectors.gdpr_request_get(user=request.user, pk=pk, request=request)
    return _detail(request, gdpr_request)


def _entry_form_post(request, gdpr_request, form, *, form_name, act):
    """A form posted on a register entry: ``act(cleaned_data)`` calls the service and returns the success
    message, then back to the entry; a refusal (``ValidationError``) or an invalid form shows the entry again
    with the form and its French errors (400), under ``form_name`` in ``_detail``."""
    if form.is_valid():
        try:
            message = act(form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, message)
            return redirect(gdpr_request.get_absolute_url())
    gdpr_request.refresh_from_db()
    return _detail(request, gdpr_request, status=400, **{form_name: form})


@require_POST
def request_transition(request, pk):
    gdpr_request = selectors.gdpr_request_get(user=request.user, pk=pk, request=request)

    def transition(data):
        services.gdpr_request_transition(
            gdpr_request=gdpr_request,
            actor=request.user,
            to_status=data["to_status"],
            reason=data["reason"],
            on=data["on"],
        )
        return _("Statut mis à jour : %(s)s.") % {"s": gdpr_request.get_status_display()}

    form = TransitionForm(request.POST, gdpr_request=gdpr_request)
    return _entry_form_post(request, gdpr_request, form, form_name="transition_form", act=transition)


@require_POST
def request_extend(request, pk):
    gdpr_request = selectors.gdpr_request_get(user=request.user, pk=pk, request=request)

    def extend(data):
        services.gdpr_request_extend(gdpr_request=gdpr_request, actor=request.user, reason=data["reason"])
        return _("Délai prolongé jusqu'au %(date)s.") % {"date": gdpr_request.extended_deadline.strftime("%d/%m/%Y")}

    return _entry_form_post(request, gdpr_request, ExtendForm(request.POST), form_name="extend_form", act=extend)


@require_POST
def withholding_set(request, pk):
    """Withhold (or communicate again) a note or document of the request's citizen before an archive."""
    gdpr_request = selectors.gdpr_request_get(user=request.user, pk=pk, request=request)
    form = WithholdingForm(request.POST)
    if not form.is_valid() or gdpr_request.citizen_id is None:
        raise Http404
    kind, object_id = form.cleaned_data["target"].split(":")
    notes, documents, letters = selectors.archive_review_items(
        user=request.user, citizen_id=gdpr_request.citizen_id, request=request
    )
    candidates = {"note": notes, "document": documents, "mail_item": letters}[kind]
    target = next((o for o in candidates if o.pk == int(object_id)), None)
    if target is None:
        raise Http404
    existing = getattr(target, "withholding", None)
    if form.cleaned_data["action"] == "release":
        if existing is not None:
            services.withholding_remove(actor=request.user, withholding=existing)
            messages.success(request, _("L'élément sera de nouveau communiqué."))
        return redirect(gdpr_request.get_absolute_url() + "#tiers")
    try:
        services.withholding_set(actor=request.user, reason=form.cleaned_data["reason"], **{kind: target})
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("L'élément ne sera pas communiqué (informations sur un tiers)."))
    return redirect(gdpr_request.get_absolute_url() + "#tiers")


@require_POST
def erasure_execute(request, pk):
    """Ask for the erasure of an erasure request's citizen (needs a ticked confirmation): recorded *en
    attente* and carried out by the background worker (export first, then anonymisation); the register entry
    shows its state and refreshes itself until it is over. Refused at once, in French, when it cannot be
    done (something still open, or one already asked for)."""
    gdpr_request = selectors.gdpr_request_get(user=request.user, pk=pk, request=request)
    if request.POST.get("confirm") != "on":
        messages.error(request, _("Cochez la case de confirmation : l'effacement est irréversible."))
        return redirect(gdpr_request.get_absolute_url())
    try:
        services.erasure_request(gdpr_request=gdpr_request, actor=request.user, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _(
                "Effacement demandé : il s'exécute en arrière-plan ; cette page se met à jour toute seule "
                "jusqu'à son résultat."
            ),
        )
    return redirect(gdpr_request.get_absolute_url() + "#effacement")


def _account_deletion_or_404(request, gdpr_request):
    account_deletion = account_selectors.deletion_request_for_register(
        user=request.user, gdpr_request=gdpr_request, request=request
    )
    if account_deletion is None:
        raise Http404
    return account_deletion


@require_POST
def account_erase(request, pk):
    """Delete the portal account behind a register entry (the citizen file and social file stay)."""
    gdpr_request = selectors.gdpr_request_get(user=request.user, pk=pk, request=request)
    account_deletion = _account_deletion_or_404(request, gdpr_request)

    def erase(data):
        account_services.account_erase(deletion_request=account_deletion, actor=request.user, note=data["note"])
        return _(
            "Compte du portail supprimé ; la demande %(ref)s est répondue et un courriel de confirmation "
            "part vers l'adresse de la demande."
        ) % {"ref": gdpr_request.reference}

    form = AccountEraseForm(request.POST)
    return _entry_form_post(request, gdpr_request, form, form_name="erase_form", act=erase)


@require_POST
def account_refuse(request, pk):
    """Refuse the portal account deletion behind a register entry, with the reason told to the citizen."""
    gdpr_request = selectors.gdpr_request_get(user=request.user, pk=pk, request=request)
    account_deletion = _account_deletion_or_404(request, gdpr_request)

    def refuse(data):
        account_services.deletion_request_refuse(
            deletion_request=account_deletion, actor=request.user, reason=data["reason"]
        )
        return _("Suppression refusée ; le motif est envoyé au demandeur. Le compte reste désactivé.")

    form = AccountRefuseForm(request.POST)
    return _entry_form_post(request, gdpr_request, form, form_name="refuse_form", act=refuse)


@require_POST
def archive_create(request, pk):
    """Ask for the access-right archive: recorded *en préparation* and compiled by the background task
    (the register entry refreshes itself until it is ready). A second click while it is pending is refused."""
    gdpr_request = selectors.gdpr_request_get(user=request.user, pk=pk, request=request)
    form = ArchiveForm(request.POST)
    form.is_valid()
    try:
        archive = services.access_archive_request(
            gdpr_request=gdpr_request,
            actor=request.user,
            include_staff_names=form.cleaned_data.get("include_staff_names", False),
            request=request,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _(
                "Archive n° %(pk)s en préparation : cette page se met à jour toute seule et le lien de "
                "téléchargement apparaîtra quand elle sera prête."
            )
            % {"pk": archive.pk},
        )
    return redirect(gdpr_request.get_absolute_url() + "#archive")


def archive_download(request, pk):
    archive = archive_services.access_archive_for_download(user=request.user, pk=pk, request=request)
    if not archive.is_ready:
        # Pending or failed: nothing to download yet, say so in French.
        return render(
            request,
            "backoffice/privacy/archive_unavailable.html",
            {"archive": archive},
            status=409,
        )
    if archive.is_purged:
        return _archive_gone(request, archive)
    try:
        content = archive.content.open("rb")
    except FileNotFoundError:
        return _archive_gone(request, archive)
    response = FileResponse(
        content,
        as_attachment=True,
        filename=f"droit-d-acces-{archive.citizen_id}-{archive.created_at:%Y%m%d}.zip",
        content_type="application/zip",
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _archive_gone(request, archive):
    """Say in French that the archive's file is no longer there (purged, or missing from storage): 410."""
    return render(request, "backoffice/privacy/archive_purged.html", {"archive": archive}, status=410)


# --- retention --------------------------------------------------------------------------------


def retention_home(request):
    rules = list(selectors.retention_rules_for(user=request.user))
    runs = list(selectors.retention_runs_for(user=request.user))
    now = timezone.now()
    in_progress = privacy_models.dry_runs_in_progress(now)
    for rule in rules:
        rule.dry_run_state = in_progress.get(rule.pk, "")
    for run in runs:
        run.state = privacy_models.dry_run_state(run, now)
    # Refreshes itself while a dry run waits or runs, until its report is there (no script needed). A dry run
    # older than the lease was lost (no worker took it, or its worker died): no refreshing for ever.
    return render(
        request,
        "backoffice/privacy/retention.html",
        {"rules": rules, "runs": runs, "in_progress": bool(in_progress)},
    )


def rule_edit(request, pk):
    rule = selectors.retention_rule_get(user=request.user, pk=pk)
    initial = {
        name: getattr(rule, name)
        for name in (
            "label",
            "duration_months",
            "legal_reference",
            "warning_days",
            "export_before_destruction",
            "is_active",
        )
    }
    form = RuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["warning_days"] = data.get("warning_days") or 0
        try:
            retention.retention_rule_update(rule=rule, actor=request.user, **data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Règle « %(label)s » enregistrée.") % {"label": rule.label})
            return redirect("backoffice:privacy_retention")
    history = list(rule.history.select_related("history_user").order_by("-history_date")[:20])
    return render(request, "backoffice/privacy/rule_form.html", {"form": form, "rule": rule, "history": history})


@require_POST
def rule_dry_run(request, pk):
    """Ask for a dry run: recorded queued for the worker (a rule over 300,000 files counts for minutes). The
    retention page shows it waiting, then running, and refreshes itself until its report is there."""
    rule = selectors.retention_rule_get(user=request.user, pk=pk)
    try:
        run = services.retention_dry_run_request(rule=rule, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("backoffice:privacy_retention")
    run = selectors.retention_run_get(user=request.user, pk=run.pk)
    if run.status in (RetentionRun.Status.DONE, RetentionRun.Status.FAILED):
        # Over already (a backend that runs tasks at once, or a queue that refused it): straight to its page.
        return redirect("backoffice:privacy_run_detail", pk=run.pk)
    messages.success(
        request,
        _(
            "Simulation de la règle « %(label)s » lancée : elle apparaît ci-dessous en attente puis en cours, "
            "et cette page se met à jour toute seule jusqu'à son rapport."
        )
        % {"label": rule.label},
    )
    return redirect("backoffice:privacy_retention")


def run_detail(request, pk):
    run = selectors.retention_run_get(user=request.user, pk=pk)
    state = privacy_models.dry_run_state(run)
    return render(
        request,
        "backoffice/privacy/run_detail.html",
        {
            "run": run,
            "exports": list(run.exports.all()),
            "counts": sorted(run.counts.items()),
            "waiting": state == "waiting",
            "running": state == "running",
            "lost": state == "lost",
        },
    )


def export_download(request, pk):
    export = selectors.retention_export_for_download(user=request.user, pk=pk, request=request)
    try:
        content = export.content.open("rb")
    except (FileNotFoundError, ValueError):
        # Missing from storage (or never stored): say so in French, as for an access archive.
        return render(request, "backoffice/privacy/export_gone.html", {"export": export}, status=410)
    response = FileResponse(
        content,
        as_attachment=True,
        filename=f"versement-{export.run.rule.purpose}-{export.pk}.zip",
        content_type="application/zip",
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
