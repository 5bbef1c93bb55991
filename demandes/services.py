"""Writes on requests (demandes): drafts, filing, every workflow transition, messages, attachments.

Each transition checks it is allowed from the current status (French ``ValidationError``
otherwise), saves the request with its history (who and why), writes a ``RequestEvent`` (the
status history the citizen sees), a timeline entry for the citizen (on their social file when
they have one) and, once the transaction commits, e-mails the citizen a short French notice
(the procedure's name and a link to Mon espace, nothing else).

Workflow::

    draft → submitted → in_review ⇄ awaiting_citizen → accepted / refused / closed
"""

from __future__ import annotations

import datetime
import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier_unique.models import TimelineEntry
from dossier_unique.timeline import timeline_record
from grc import uploads
from grc.history import save_tracked, track

from . import events, notifications
from .models import Request, RequestAttachment, RequestEvent, RequestMessage
from .perms import is_team_member
from .tasks import request_notice_send

S = Request.Status

# Alphabet of the tracking code: no 0/O, no 1/I (read out on the phone).
TRACKING_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
TRACKING_LENGTH = 6
TRACKING_ATTEMPTS = 8

MESSAGE_MAX_LENGTH = 5000
MISSING_ITEM_MAX_LENGTH = 200

# to_status -> statuses it may be reached from
ALLOWED = {
    "take_in_review": (S.SUBMITTED, S.AWAITING_CITIZEN),
    "ask_citizen": (S.SUBMITTED, S.IN_REVIEW),
    "citizen_answer": (S.AWAITING_CITIZEN,),
    "accept": (S.SUBMITTED, S.IN_REVIEW),
    "refuse": (S.SUBMITTED, S.IN_REVIEW, S.AWAITING_CITIZEN),
    "close": (S.SUBMITTED, S.IN_REVIEW, S.AWAITING_CITIZEN),
    "assign": (S.SUBMITTED, S.IN_REVIEW, S.AWAITING_CITIZEN),
    "forward": (S.SUBMITTED, S.IN_REVIEW, S.AWAITING_CITIZEN),
}


def tracking_code_new(*, year: int | None = None) -> str:
    """A random ``D-YYYY-XXXXXX`` code (uniqueness is enforced by the database, see ``_insert``)."""
    year = year or timezone.localdate().year
    body = "".join(secrets.choice(TRACKING_ALPHABET) for _i in range(TRACKING_LENGTH))
    return f"D-{year}-{body}"


def _insert(request: Request, actor, reason: str) -> Request:
    """First save with a fresh tracking code, retried on the (rare) collision."""
    for attempt in range(TRACKING_ATTEMPTS):
        request.tracking_code = tracking_code_new()
        try:
            with transaction.atomic():
                save_tracked(request, actor, reason)
            return request
        except IntegrityError as exc:
            if "tracking_code" not in str(exc) or attempt == TRACKING_ATTEMPTS - 1:
                raise
            request.pk = None
    raise AssertionError("unreachable")


def _check(request: Request, action: str) -> None:
    if request.status not in ALLOWED[action]:
        raise ValidationError(
            _("Cette action n'est pas possible pour une demande au statut « %(status)s ».")
            % {"status": request.get_status_display()},
            code="transition",
        )


def _require(value: str, message: str, code: str = "required") -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError(message, code=code)
    return value


def _locked(request: Request) -> Request:
    """Re-read the request under a row lock so two agents cannot race a transition."""
    fresh = Request.objects.select_for_update().get(pk=request.pk)
    for field in ("status", "team_id", "assigned_to_id", "missing_items", "due_date", "citizen_id"):
        setattr(request, field, getattr(fresh, field))
    return request


def _event(request, *, actor, from_status, to_status, comment="", visible=True) -> RequestEvent:
    return RequestEvent.objects.create(
        request=request,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        from_status=from_status,
        to_status=to_status,
        comment=comment,
        visible_to_citizen=visible,
    )


def _timeline(request: Request, *, kind: str, title: str, actor) -> TimelineEntry | None:
    """A timeline entry for the request's citizen (on their social file when there is one).

    The entry carries only the procedure's name and what happened: social workers who may see the
    file see that a request exists; the request itself stays governed by ``demandes.perms``.
    """
    if request.citizen_id is None:
        return None
    return timeline_record(citizen_id=request.citizen_id, kind=kind, title=title, actor=actor, source=request)


def _notify(request: Request, kind: str) -> None:
    """E-mail the citizen the ``kind`` notice once the transaction commits (a rolled-back transition
    e-mails nobody), unless notices are suppressed (``notifications.suppressed``: demo, bulk imports)."""
    if notifications.is_suppressed():
        return
    request_id = request.pk
    transaction.on_commit(lambda: request_notice_send.enqueue(request_id, kind))


def _attach(request: Request, upload, *, actor, field_name: str = "", message=None) -> RequestAttachment:
    checked = uploads.check(upload, uploads.document_policy())
    attachment = RequestAttachment(
        request=request,
        message=message,
        field_name=field_name,
        original_name=(upload.name or "piece-jointe")[-255:],
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    attachment.file.save(checked.sha256, upload, save=False)
    return save_tracked(attachment, actor)


def _delete_files_on_commit(attachments) -> None:
    """Remove stored files only once the rows are gone for good (a rollback keeps them)."""
    stored = [(a.file.storage, a.file.name) for a in attachments if a.file]

    def delete():
        for storage, name in stored:
            storage.delete(name)

    transaction.on_commit(delete)


def _validate_files(files) -> dict:
    """Check every upload first so a bad file refuses the whole form before anything is written."""
    errors = {}
    for name, upload in (files or {}).items():
        if upload is None:
            continue
        try:
            uploads.check(upload, uploads.document_policy())
        except ValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)
    return {name: upload for name, upload in (files or {}).items() if upload is not None}


def _validate_file_list(files) -> list:
    files = [f for f in (files or []) if f is not None]
    for upload in files:
        uploads.check(upload, uploads.document_policy())
    return files


def _procedure_settings(procedure):
    """(team, service level in days) of a procedure page; both optional."""
    if procedure is None:
        return None, None
    page = getattr(procedure, "specific", procedure)
    team = getattr(page, "destination_team", None)
    days = getattr(page, "service_level_days", None)
    return team, days


# --- Drafts and filing -------------------------------------------------------------------------


@transaction.atomic
def request_draft_save(*, account, procedure, answers: dict, files=None, request: Request | None = None) -> Request:
    """Create or update the draft of ``account`` for ``procedure``.

    A new draft gets a tracking code (``D-YYYY-XXXXXX``) and the procedure's title as a snapshot.
    ``files`` maps a form field name to an upload; each is checked by content and size, and
    replaces the previous file of that field. Only the account's own drafts can be updated.
    """
    if account is None or not account.is_authenticated or account.is_staff:
        raise ValidationError(_("Seul un usager connecté peut enregistrer un brouillon."), code="account")
    accepted = _validate_files(files)
    if not isinstance(answers, dict):
        raise ValidationError(_("Les réponses du formulaire sont illisibles."), code="answers")
    if request is None:
        request = Request(
            procedure=procedure,
            procedure_title=(getattr(procedure, "title", "") or _("Démarche"))[:255],
            account=account,
            citizen=getattr(account, "citizen", None),
            channel=Request.Channel.WEB,
            status=S.DRAFT,
            typed_by=Request.TypedBy.CITIZEN,
            answers=answers,
        )
        _insert(request, account, "brouillon créé")
    else:
        if request.account_id != account.pk or request.status != S.DRAFT:
            raise ValidationError(_("Ce brouillon ne peut plus être modifié."), code="not_draft")
        request.answers = answers
        save_tracked(request, account, "brouillon enregistré")
    for field_name, upload in accepted.items():
        previous = list(request.attachments.filter(field_name=field_name, message__isnull=True))
        _attach(request, upload, actor=account, field_name=field_name)
        _delete_files_on_commit(previous)
        for old in previous:
            track(old, account, "fichier remplacé")
            old.delete()
    return request


@transaction.atomic
def request_submit(*, request: Request, actor, citizen) -> Request:
    """File a draft: draft → submitted.

    The destination team and the due date come from the procedure page (``destination_team``,
    ``service_level_days``). Writes the event and a ``REQUEST_SUBMITTED`` timeline entry, and
    sends the acknowledgement (e-mail with its PDF, also downloadable from Mon espace).
    """
    _locked(request)
    if request.status != S.DRAFT:
        raise ValidationError(_("Cette demande a déjà été déposée."), code="transition")
    if citizen is None:
        raise ValidationError(_("La demande doit être rattachée à un usager."), code="citizen")
    team, days = _procedure_settings(request.procedure)
    now = timezone.now()
    request.citizen = citizen
    request.status = S.SUBMITTED
    request.submitted_at = now
    request.team = team if team is not None else request.team
    if days:
        request.due_date = timezone.localdate(now) + datetime.timedelta(days=int(days))
    save_tracked(request, actor, "demande déposée")
    _event(request, actor=actor, from_status=S.DRAFT, to_status=S.SUBMITTED, comment=_("Demande déposée"))
    _timeline(
        request,
        kind=TimelineEntry.Kind.REQUEST_SUBMITTED,
        title=_("Demande déposée : %(procedure)s") % {"procedure": request.procedure_title},
        actor=actor,
    )
    _notify(request, "submitted")
    return request


@transaction.atomic
def request_open(
    *,
    citizen,
    procedure_title: str,
    team,
    channel: str,
    actor,
    procedure=None,
    answers: dict | None = None,
    due_date: datetime.date | None = None,
    consent_at: datetime.datetime | None = None,
    typed_by: str = "",
    files=None,
) -> Request:
    """Open a request received by mail, phone or at a counter (no draft step): status submitted.

    At a counter (``channel="counter"``) the citizen's consent must be recorded (``consent_at``) and
    the agent is recorded as ``filed_by``; ``typed_by`` says who typed the answers. The team and the
    due date default to the procedure's when not given.
    """
    if channel not in (Request.Channel.MAIL, Request.Channel.PHONE, Request.Channel.COUNTER):
        raise ValidationError(_("Canal de dépôt inconnu."), code="channel")
    if citizen is None:
        raise ValidationError(_("Choisissez l'usager concerné."), code="citizen")
    procedure_title = _require(procedure_title, _("Indiquez la démarche."))
    if channel == Request.Channel.COUNTER and consent_at is None:
        raise ValidationError(
            {"consent": [_("Le consentement de l'usager doit être recueilli avant le dépôt.")]}, code="consent"
        )
    accepted = _validate_files(files)
    page_team, days = _procedure_settings(procedure)
    team = team or page_team
    now = timezone.now()
    if due_date is None and days:
        due_date = timezone.localdate(now) + datetime.timedelta(days=int(days))
    agent = actor if getattr(actor, "is_staff", False) else None
    request = Request(
        procedure=procedure,
        procedure_title=procedure_title[:255],
        citizen=citizen,
        account=getattr(citizen, "user", None),
        channel=channel,
        status=S.SUBMITTED,
        team=team,
        answers=answers or {},
        due_date=due_date,
        submitted_at=now,
        filed_by=agent if channel in (Request.Channel.COUNTER, Request.Channel.PHONE) else None,
        typed_by=typed_by or (Request.TypedBy.AGENT if agent else ""),
        consent_recorded_at=consent_at,
    )
    _insert(request, actor, f"demande reçue ({channel})")
    for field_name, upload in accepted.items():
        _attach(request, upload, actor=actor, field_name=field_name)
    _event(request, actor=actor, from_status="", to_status=S.SUBMITTED, comment=request.get_channel_display())
    _timeline(
        request,
        kind=TimelineEntry.Kind.REQUEST_SUBMITTED,
        title=_("Demande déposée : %(procedure)s") % {"procedure": request.procedure_title},
        actor=actor,
    )
    _notify(request, "submitted")
    return request


# --- Transitions -------------------------------------------------------------------------------


def _transition(request, *, action, to_status, actor, comment="", reason="", visible=True, notify=None):
    from_status = request.status
    request.status = to_status
    if to_status in Request.FINAL_STATUSES:
        request.decided_at = timezone.now()
        request.decision_reason = comment
    save_tracked(request, actor, reason or action)
    _event(request, actor=actor, from_status=from_status, to_status=to_status, comment=comment, visible=visible)
    _timeline(
        request,
        kind=TimelineEntry.Kind.REQUEST_STATUS,
        title=_("Demande « %(procedure)s » : %(status)s")
        % {"procedure": request.procedure_title, "status": request.get_status_display().lower()},
        actor=actor,
    )
    if notify:
        _notify(request, notify)
    return request


@transaction.atomic
def request_take_in_review(*, request: Request, actor) -> Request:
    """submitted / awaiting citizen → in review (the agent starts working it)."""
    _locked(request)
    _check(request, "take_in_review")
    if request.assigned_to_id is None and getattr(actor, "is_staff", False):
        request.assigned_to = actor
    return _transition(request, action="take_in_review", to_status=S.IN_REVIEW, actor=actor, notify="in_review")


@transaction.atomic
def request_ask_citizen(*, request: Request, missing_items: list[str], message: str, actor) -> Request:
    """submitted / in review → awaiting citizen, with the list of what is missing (required) and a message."""
    _locked(request)
    _check(request, "ask_citizen")
    items = [str(item).strip()[:MISSING_ITEM_MAX_LENGTH] for item in (missing_items or []) if str(item).strip()]
    if not items:
        raise ValidationError(
            {"missing_items": [_("Indiquez au moins une pièce ou information manquante.")]}, code="required"
        )
    message = (message or "").strip()
    if len(message) > MESSAGE_MAX_LENGTH:
        raise ValidationError({"message": [_("Le message est trop long.")]}, code="too_long")
    request.missing_items = items
    if message:
        save_tracked(RequestMessage(request=request, author=actor, from_citizen=False, body=message), actor)
    return _transition(
        request,
        action="ask_citizen",
        to_status=S.AWAITING_CITIZEN,
        actor=actor,
        comment="\n".join(f"– {item}" for item in items),
        notify="awaiting_citizen",
    )


@transaction.atomic
def request_citizen_answer(*, request: Request, message: str, files, actor) -> Request:
    """awaiting citizen → in review: the citizen sends what was asked (a message and/or files)."""
    _locked(request)
    _check(request, "citizen_answer")
    message = (message or "").strip()
    accepted = _validate_file_list(files)
    if not message and not accepted:
        raise ValidationError({"message": [_("Joignez les pièces demandées ou écrivez un message.")]}, code="required")
    if len(message) > MESSAGE_MAX_LENGTH:
        raise ValidationError({"message": [_("Le message est trop long.")]}, code="too_long")
    msg = save_tracked(
        RequestMessage(
            request=request, author=actor, from_citizen=True, body=message or _("Pièces complémentaires envoyées.")
        ),
        actor,
    )
    for upload in accepted:
        _attach(request, upload, actor=actor, message=msg)
    request.missing_items = []
    (events.document_returned if accepted else events.citizen_replied).send(Request, request=request, actor=actor)
    return _transition(
        request,
        action="citizen_answer",
        to_status=S.IN_REVIEW,
        actor=actor,
        comment=_("Compléments envoyés par l'usager"),
        notify="answer_received",
    )


@transaction.atomic
def request_accept(*, request: Request, reason: str = "", actor) -> Request:
    """submitted / in review → accepted (final)."""
    _locked(request)
    _check(request, "accept")
    return _transition(
        request, action="accept", to_status=S.ACCEPTED, actor=actor, comment=(reason or "").strip(), notify="decided"
    )


@transaction.atomic
def request_refuse(*, request: Request, reason: str, actor) -> Request:
    """submitted / in review / awaiting citizen → refused (final); the reason is required and shown to the citizen."""
    _locked(request)
    _check(request, "refuse")
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Le motif du refus est obligatoire.")]}, code="required")
    return _transition(
        request, action="refuse", to_status=S.REFUSED, actor=actor, comment=reason.strip(), notify="decided"
    )


@transaction.atomic
def request_close(*, request: Request, reason: str, actor) -> Request:
    """Any open status → closed without follow-up (final); the reason is required."""
    _locked(request)
    _check(request, "close")
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Indiquez pourquoi la demande est classée sans suite.")]}, code="required")
    return _transition(
        request, action="close", to_status=S.CLOSED, actor=actor, comment=reason.strip(), notify="decided"
    )


@transaction.atomic
def request_assign(*, request: Request, user, actor) -> Request:
    """Give an open request to ``user`` (a current member of its team), or unassign with ``None``.

    Internal step: an event the citizen does not see, no e-mail.
    """
    _locked(request)
    _check(request, "assign")
    if user is not None and not is_team_member(user, request.team_id):
        raise ValidationError(_("Cet agent n'appartient pas à l'équipe qui traite la demande."), code="assign")
    request.assigned_to = user
    save_tracked(request, actor, "attribution")
    _event(
        request,
        actor=actor,
        from_status=request.status,
        to_status=request.status,
        comment=_("Attribuée à %(name)s") % {"name": user} if user else _("Attribution retirée"),
        visible=False,
    )
    return request


@transaction.atomic
def request_forward(*, request: Request, team, reason: str, actor) -> Request:
    """Send an open request to another team (reason required); it becomes unassigned there."""
    _locked(request)
    _check(request, "forward")
    reason = _require(reason, _("Indiquez pourquoi la demande est transmise."))
    if team is None or team.pk == request.team_id:
        raise ValidationError({"team": [_("Choisissez une autre équipe.")]}, code="team")
    previous = request.team
    request.team = team
    request.assigned_to = None
    save_tracked(request, actor, f"transmise : {reason}")
    _event(
        request,
        actor=actor,
        from_status=request.status,
        to_status=request.status,
        comment=_("Transmise de « %(from)s » à « %(to)s » : %(reason)s")
        % {"from": previous or "—", "to": team, "reason": reason},
        visible=False,
    )
    return request


@transaction.atomic
def request_message_post(*, request: Request, author, body: str, files=None, from_citizen: bool) -> RequestMessage:
    """Add a message (with optional attachments) to a filed request's thread; the other side is told.

    A message from the team e-mails the citizen; a citizen's message writes a timeline entry.
    """
    if request.status == S.DRAFT:
        raise ValidationError(_("Déposez d'abord la demande pour pouvoir écrire."), code="transition")
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": [_("Le message est vide.")]}, code="required")
    if len(body) > MESSAGE_MAX_LENGTH:
        raise ValidationError({"body": [_("Le message est trop long (5 000 caractères au plus).")]}, code="too_long")
    try:
        accepted = _validate_file_list(files)
    except ValidationError as exc:
        raise ValidationError({"files": exc.messages}) from exc
    message = save_tracked(
        RequestMessage(request=request, author=author, from_citizen=from_citizen, body=body), author, "message"
    )
    for upload in accepted:
        _attach(request, upload, actor=author, message=message)
    _timeline(
        request,
        kind=TimelineEntry.Kind.REQUEST_MESSAGE,
        title=(_("Message de l'usager : %(procedure)s") if from_citizen else _("Message à l'usager : %(procedure)s"))
        % {"procedure": request.procedure_title},
        actor=author,
    )
    if not from_citizen:
        _notify(request, "message")
    else:
        (events.document_returned if accepted else events.citizen_replied).send(Request, request=request, actor=author)
    return message


@transaction.atomic
def request_messages_mark_read(*, request: Request, from_citizen: bool) -> int:
    """Mark as read the messages written by the other side (``from_citizen`` = whose messages)."""
    return request.messages.filter(from_citizen=from_citizen, read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def request_draft_delete(*, request: Request, account) -> None:
    """Delete one of the account's own drafts and its files."""
    if request.account_id != account.pk or request.status != S.DRAFT:
        raise ValidationError(_("Ce brouillon ne peut pas être supprimé."), code="not_draft")
    _delete_files_on_commit(list(request.attachments.all()))
    track(request, account, "brouillon supprimé")
    request.delete()
