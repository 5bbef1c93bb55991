"""Every write on incoming mail: reception, retry of recognition, qualification, routing, the team's
work on a routed letter, the acknowledgement of receipt.

Life of an item: **received** (a scan stored once, numbered, recognition enqueued) → recognised by the
worker (``mail.tasks``) or **manual** (recognition failed; ``mail_retry`` puts it back) → **qualified**
(an agent confirmed the citizen or "not about a citizen", the type, the team, the due date, a linked or
newly opened request) → **routed** (in the team's bannette; a ``MAIL_ROUTED`` entry on the citizen's
timeline) → assigned / forwarded with a reason → **handled**.

Each service locks the item row, checks the transition, saves it with history (who and why) and
writes a ``MailEvent`` in the same transaction. Permission checks (who may qualify, who may work a
team's queue) are the views' and API's job through ``mail.perms``; services enforce the rules that
hold for everyone (states, a request belonging to the same citizen, a team member to assign), and
``mail_retry`` its own (mailroom agents only), as the worker's queue is theirs.
"""

from __future__ import annotations

import datetime
from types import SimpleNamespace

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from demandes.models import Request
from demandes.services import request_open
from dossier_unique.documents import document_storage
from dossier_unique.models import TimelineEntry
from dossier_unique.timeline import timeline_record
from grc.history import save_tracked, track
from grc.models import Membership
from grc.perms import membership_current_q

from .ack import acknowledgement_available, acknowledgement_pdf
from .classifier.services import mail_model_retrain_if_due
from .intake import BatchLine, ReceiveResult, format_registration_number, scan_name, validate_scan
from .models import MailBatch, MailDuplicateUpload, MailEvent, MailItem, RegistrationCounter, mail_original_path
from .perms import can_receive_mail
from .tasks import enqueue_recognition
from .working_days import due_date_for

QUALIFIABLE = (MailItem.Status.RECOGNISED, MailItem.Status.MANUAL, MailItem.Status.QUALIFIED)


# --- Reception -----------------------------------------------------------------------------------------


def _lock_counter(year: int) -> RegistrationCounter:
    """The year's counter, locked (SELECT ... FOR UPDATE) until the caller's transaction ends."""
    RegistrationCounter.objects.bulk_create([RegistrationCounter(year=year)], ignore_conflicts=True)
    return RegistrationCounter.objects.select_for_update().get(year=year)


def _record_duplicate(*, item: MailItem, user, name: str, batch) -> ReceiveResult:
    MailDuplicateUpload.objects.create(item=item, uploaded_by=user, original_name=name, batch=batch)
    return ReceiveResult(item=item, duplicate=True)


def _register(*, checked, user, name: str, batch, path: str) -> ReceiveResult:
    """Inside the caller's transaction: the duplicate row, or the numbered item with recognition on commit."""
    today = timezone.localdate()
    counter = _lock_counter(today.year)
    # Re-checked under the counter lock: a concurrent upload of the same bytes has committed by now.
    existing = MailItem.objects.filter(sha256=checked.sha256).first()
    if existing is not None:
        return _record_duplicate(item=existing, user=user, name=name, batch=batch)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    number = counter.last_number
    item = MailItem(
        registration_number=format_registration_number(today.year, number),
        year=today.year,
        number=number,
        batch=batch,
        original_name=name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        page_count=checked.page_count,
        uploaded_by=user,
    )
    item.original.name = path
    track(item, user, _("Courrier reçu")).save()
    MailEvent.objects.create(item=item, actor=user, kind=MailEvent.Kind.RECEIVED)
    transaction.on_commit(lambda: enqueue_recognition(item.pk))
    return ReceiveResult(item=item, duplicate=False)


def mail_receive(*, uploaded_file, user, batch: MailBatch | None = None) -> ReceiveResult:
    """Register one scan: validated, stored once by SHA-256, numbered, recognition enqueued on commit.

    The same bytes already received give ``duplicate=True`` with the first item and a
    ``MailDuplicateUpload`` row; no file is stored and no number is used. A refused file
    (``ValidationError``, see ``mail.intake.validate_scan``) uses no number either. Numbers are
    gap-free: the year's counter row is locked in the same transaction as the insert.
    """
    checked = validate_scan(uploaded_file)
    name = scan_name(uploaded_file)

    existing = MailItem.objects.filter(sha256=checked.sha256).first()
    if existing is not None:
        with transaction.atomic():
            return _record_duplicate(item=existing, user=user, name=name, batch=batch)

    # Store before taking the counter lock, so the lock is held only for two short writes.
    # The path is the SHA-256: a file already there (an earlier attempt that rolled back) has the same bytes.
    storage = document_storage()
    path = mail_original_path(SimpleNamespace(sha256=checked.sha256), name)
    stored_here = None
    if not storage.exists(path):
        uploaded_file.seek(0)
        stored_here = storage.save(path, uploaded_file)
        path = stored_here

    try:
        with transaction.atomic():
            result = _register(checked=checked, user=user, name=name, batch=batch, path=path)
    except Exception:
        if stored_here is not None:
            storage.delete(stored_here)
        raise
    if result.duplicate and stored_here is not None and stored_here != result.item.original.name:
        storage.delete(stored_here)
    return result


def mail_receive_batch(*, files, user, source: str = MailBatch.Source.SCREEN, label: str = "") -> list[BatchLine]:
    """Receive several files as one batch: one line per file; a refused file never stops the others."""
    files = list(files)
    batch = MailBatch.objects.create(created_by=user, source=source, label=label[:150])
    lines = []
    for uploaded_file in files:
        name = scan_name(uploaded_file)
        try:
            result = mail_receive(uploaded_file=uploaded_file, user=user, batch=batch)
        except ValidationError as exc:
            code = getattr(exc, "code", None) or (exc.error_list[0].code if hasattr(exc, "error_list") else "")
            lines.append(BatchLine(name=name, error=" ".join(exc.messages), code=code or "invalid", batch_id=batch.pk))
        else:
            lines.append(BatchLine(name=name, item=result.item, duplicate=result.duplicate, batch_id=batch.pk))
    return lines


def mail_retry(*, item: MailItem, user) -> MailItem:
    """Put an item whose recognition failed back in the queue (mailroom agents).

    Allowed from *manual*; attempts start again from zero. Enqueued after commit.
    """
    if not can_receive_mail(user):
        raise PermissionDenied(_("Seul le service courrier peut relancer une reconnaissance."))
    with transaction.atomic():
        item = MailItem.objects.select_for_update().get(pk=item.pk)
        if item.status != MailItem.Status.MANUAL:
            raise ValidationError(
                _("Seul un courrier en échec de reconnaissance peut être relancé (statut : %(status)s).")
                % {"status": item.get_status_display()},
                code="not_manual",
            )
        item.status = MailItem.Status.RECEIVED
        item.failure_reason = ""
        item.ocr_started_at = None
        item.ocr_attempts = 0
        track(item, user, _("Reconnaissance relancée")).save()
        MailEvent.objects.create(item=item, actor=user, kind=MailEvent.Kind.RETRIED)
        item_id = item.pk
        transaction.on_commit(lambda: enqueue_recognition(item_id))
    return item


# --- Qualification and routing -------------------------------------------------------------------------


def _locked(item: MailItem) -> MailItem:
    return MailItem.objects.select_for_update().get(pk=item.pk)


def _event(item, *, kind, actor, team=None, comment=""):
    return MailEvent.objects.create(item=item, kind=kind, actor=actor, team=team, comment=comment)


def _refresh(target: MailItem, source: MailItem) -> MailItem:
    """Copy the saved state onto the caller's instance so it sees what was written."""
    for f in MailItem._meta.concrete_fields:
        setattr(target, f.attname, getattr(source, f.attname))
    return target


def _is_team_member(user, team, today=None) -> bool:
    today = today or timezone.localdate()
    return Membership.objects.filter(membership_current_q(on=today), user=user, team=team).exists()


def _qualification_errors(*, citizen, no_citizen, mail_type, team, request, open_request) -> dict:
    errors = {}
    if citizen is None and not no_citizen:
        errors["citizen"] = _("Choisissez l'usager concerné ou indiquez que le courrier ne concerne pas un usager.")
    if citizen is not None and no_citizen:
        errors["citizen"] = _("Un courrier ne peut pas à la fois concerner un usager et n'en concerner aucun.")
    if citizen is not None and getattr(citizen, "status", "active") != "active":
        errors["citizen"] = _("Cette fiche usager n'est plus active (fusionnée ou archivée).")
    if mail_type is None or not mail_type.is_active:
        errors["mail_type"] = _("Choisissez un type de courrier actif.")
    if team is None or not team.is_active:
        errors["team"] = _("Choisissez une équipe active.")
    if request is not None and open_request:
        errors["request"] = _("Liez une demande existante ou ouvrez-en une nouvelle, pas les deux.")
    if request is not None and (citizen is None or request.citizen_id != citizen.pk):
        errors["request"] = _("Cette demande ne concerne pas l'usager choisi.")
    if open_request and citizen is None:
        errors["request"] = _("Pour ouvrir une demande, choisissez d'abord l'usager.")
    return errors


@transaction.atomic
def mail_qualify(
    *,
    item: MailItem,
    actor,
    mail_type,
    team,
    citizen=None,
    no_citizen: bool = False,
    due_date: datetime.date | None = None,
    request=None,
    open_request: bool = False,
) -> MailItem:
    """Record the agent's decision on a recognised (or manual) letter; it can be corrected until routed.

    Rules: exactly one of ``citizen`` and ``no_citizen``; an active type and an active team; a linked
    ``request`` must be the same citizen's; ``open_request`` opens a request (channel "mail") for the
    citizen through ``demandes.services.request_open``. Without ``due_date`` the type's service
    level (working days from reception) applies.
    """
    errors = _qualification_errors(
        citizen=citizen,
        no_citizen=no_citizen,
        mail_type=mail_type,
        team=team,
        request=request,
        open_request=open_request,
    )
    if errors:
        raise ValidationError(errors)

    locked = _locked(item)
    if locked.status not in QUALIFIABLE:
        raise ValidationError(
            _("Ce courrier ne peut plus être qualifié (statut « %(status)s »).")
            % {"status": locked.get_status_display()}
        )
    if due_date is None:
        due_date = due_date_for(mail_type, timezone.localdate(locked.received_at))
    if open_request:
        request = request_open(
            citizen=citizen,
            procedure_title=mail_type.name,
            team=team,
            channel=Request.Channel.MAIL,
            actor=actor,
            due_date=due_date,
        )
    locked.citizen = citizen
    locked.no_citizen = bool(no_citizen)
    locked.mail_type = mail_type
    locked.team = team
    locked.due_date = due_date
    locked.request = request
    locked.qualified_by = actor
    locked.qualified_at = timezone.now()
    locked.status = MailItem.Status.QUALIFIED
    save_tracked(locked, actor, _("Qualification du courrier"))
    comment = f"{mail_type.name} — {team.name}"
    if request is not None:
        comment += f" — {request.tracking_code}"
    _event(locked, kind=MailEvent.Kind.QUALIFIED, actor=actor, team=team, comment=comment)
    # Every MAIL_CLASSIFIER_RETRAIN_EVERY decisions the classifier learns them (after commit: the worker
    # must see this one; a failure to ask must not undo the agent's decision).
    transaction.on_commit(mail_model_retrain_if_due, robust=True)
    return _refresh(item, locked)


def _timeline_entry(item: MailItem, actor) -> None:
    """A ``MAIL_ROUTED`` entry on the citizen's timeline (on their social file when they have one)."""
    if item.citizen_id is None:
        return
    title = _("Courrier %(number)s (%(type)s) aiguillé vers %(team)s") % {
        "number": item.registration_number,
        "type": item.mail_type.name if item.mail_type_id else _("sans type"),
        "team": item.team.name,
    }
    timeline_record(
        citizen_id=item.citizen_id, kind=TimelineEntry.Kind.MAIL_ROUTED, title=title, actor=actor, source=item
    )


@transaction.atomic
def mail_route(*, item: MailItem, actor) -> MailItem:
    """Put a qualified letter in its team's bannette and on the citizen's timeline."""
    locked = _locked(item)
    if locked.status != MailItem.Status.QUALIFIED:
        raise ValidationError(_("Seul un courrier qualifié peut être aiguillé."))
    locked.status = MailItem.Status.ROUTED
    locked.routed_at = timezone.now()
    save_tracked(locked, actor, _("Aiguillage vers l'équipe"))
    _event(locked, kind=MailEvent.Kind.ROUTED, actor=actor, team=locked.team)
    _timeline_entry(locked, actor)
    return _refresh(item, locked)


# --- The team's work -----------------------------------------------------------------------------------


@transaction.atomic
def mail_assign(*, item: MailItem, user, actor=None) -> MailItem:
    """Give a routed letter to a member of its team (``user`` takes it: "m'attribuer"), or back to the
    team's bannette with ``user=None`` (a bulk action or its undo; ``actor`` then required)."""
    actor = actor or user
    locked = _locked(item)
    if locked.status != MailItem.Status.ROUTED:
        raise ValidationError(_("Seul un courrier aiguillé et non traité peut être attribué."))
    if user is not None and not _is_team_member(user, locked.team):
        raise ValidationError(_("Cet agent ne fait pas partie de l'équipe destinataire."))
    locked.assigned_to = user
    save_tracked(locked, actor, _("Attribution") if user else _("Attribution retirée"))
    comment = user.get_full_name() if user else _("Attribution retirée")
    _event(locked, kind=MailEvent.Kind.ASSIGNED, actor=actor, team=locked.team, comment=comment)
    return _refresh(item, locked)


@transaction.atomic
def mail_forward(*, item: MailItem, team, reason: str, actor) -> MailItem:
    """Send a routed letter to another team, with the reason shown in its history; unassigns it."""
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = _("Indiquez le motif du transfert.")
    if team is None or not team.is_active:
        errors["team"] = _("Choisissez une équipe active.")
    if errors:
        raise ValidationError(errors)
    locked = _locked(item)
    if locked.status != MailItem.Status.ROUTED:
        raise ValidationError(_("Seul un courrier aiguillé et non traité peut être transféré."))
    if locked.team_id == team.pk:
        raise ValidationError({"team": _("Le courrier est déjà dans la bannette de cette équipe.")})
    locked.team = team
    locked.assigned_to = None
    save_tracked(locked, actor, _("Transfert : %(reason)s") % {"reason": reason[:80]})
    _event(locked, kind=MailEvent.Kind.FORWARDED, actor=actor, team=team, comment=reason)
    return _refresh(item, locked)


@transaction.atomic
def mail_handle(*, item: MailItem, actor, comment: str = "") -> MailItem:
    """Mark a routed letter as handled (leaves the bannette's "to do" list)."""
    locked = _locked(item)
    if locked.status != MailItem.Status.ROUTED:
        raise ValidationError(_("Seul un courrier aiguillé peut être marqué comme traité."))
    locked.status = MailItem.Status.HANDLED
    locked.handled_by = actor
    locked.handled_at = timezone.now()
    save_tracked(locked, actor, _("Courrier traité"))
    _event(locked, kind=MailEvent.Kind.HANDLED, actor=actor, team=locked.team, comment=comment.strip())
    return _refresh(item, locked)


@transaction.atomic
def mail_acknowledge(*, item: MailItem, actor) -> bytes:
    """Produce the acknowledgement of receipt (PDF, ``mail.ack``) and record it in the letter's history."""
    if not acknowledgement_available(item):
        raise ValidationError(_("Aucun accusé de réception n'est prévu pour ce courrier."))
    data = acknowledgement_pdf(item)
    MailEvent.objects.create(item=item, kind=MailEvent.Kind.ACKNOWLEDGED, actor=actor, team=item.team)
    return data
