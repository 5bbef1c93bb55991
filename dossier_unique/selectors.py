"""Reads of the social file. Each takes the user, filters in the query and logs the read.

A file the user may not see raises ``Http404`` (no hint that it exists). Nothing outside this
module reads notes, documents or timeline entries with ``objects.get()``.

Logging: every read of content writes one access-log row. A page showing several parts of a
file calls ``file_get`` (logged as ``file.view``) and then passes ``log=False`` to the list
selectors, so the page writes one row, not one per query. The purpose says whether the read
is routine or under emergency access (with its reason).

Expiry: a sharing grant or an emergency access stops working at its end time, not at the next
run of the ``expire_file_access`` job. ``files_for`` (which ``file_get`` uses) and the per-file
check first end whatever is due (one cheap query when nothing is); the job remains for the
timeline entries and for files nobody opens.
"""

from __future__ import annotations

import datetime

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from grc.audit.models import AccessLog
from grc.audit.services import access_log_write

from . import perms
from .models import Accompaniment, Document, EmergencyAccess, Note, SharingGrant, SocialFile, TimelineEntry
from .services.expiry import expire_grants_and_emergency_accesses


def _end_due_access() -> None:
    now = timezone.now()
    due = (
        SharingGrant.objects.filter(revoked_at__isnull=True, expired_at__isnull=True, expires_at__lte=now)
        .values("pk")
        .union(EmergencyAccess.objects.filter(ended_at__isnull=True, expires_at__lte=now).values("pk"))
    )
    if due.exists():
        expire_grants_and_emergency_accesses(now=now)


def _purpose(user, file) -> str:
    access = (
        EmergencyAccess.objects.filter(file=file, user=user, ended_at__isnull=True, expires_at__gt=timezone.now())
        .order_by("-started_at")
        .only("reason")
        .first()
    )
    return f"accès d'urgence : {access.reason}" if access else "suivi"


def _log(user, action, file, *, obj=None, request=None):
    access_log_write(
        actor=user,
        action=action,
        citizen=file.citizen_id,
        obj=obj if obj is not None else file,
        purpose=_purpose(user, file),
        request=request,
    )


def files_for(*, user) -> QuerySet[SocialFile]:
    """The files ``user`` may see (``perms.visible_files_q``), with their citizen: one query.

    Not logged: a list of files is not a read of their content (the caseload page shows names,
    like the citizen search); opening one goes through ``file_get``.
    """
    _end_due_access()
    return SocialFile.objects.filter(perms.visible_files_q(user)).select_related("citizen")


def file_get(*, user, pk, request=None, log: bool = True) -> SocialFile:
    """One file the user may see, logged as ``file.view``; ``Http404`` otherwise.

    ``log=False`` when the caller reads the file's content next through a selector that logs
    (the API's timeline, notes and documents endpoints): one access-log row per request.
    """
    try:
        file = files_for(user=user).get(pk=pk)
    except (SocialFile.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if log:
        _log(user, AccessLog.Action.FILE_VIEW, file, request=request)
    file._visible_to_user_id = user.pk  # the list selectors called next for this page need not check again
    return file


def _check(user, file):
    if getattr(file, "_visible_to_user_id", None) == user.pk:
        return  # just returned by file_get for this user, in this request
    _end_due_access()
    if not perms.can_view_file(user, file):
        raise Http404


def timeline_for(
    *, user, file: SocialFile, programme: str | None = None, kind: str | None = None, request=None, log: bool = True
) -> QuerySet[TimelineEntry]:
    """The citizen's timeline as ``user`` may see it, newest first (one indexed query per page).

    Visibility in SQL (``perms.visible_entries_q``): *private* — author only; *team* — current
    members of the entry's team, and the author; *file* — everyone who may see the file.
    """
    _check(user, file)
    entries = (
        TimelineEntry.objects.filter(perms.visible_entries_q(user), citizen_id=file.citizen_id)
        .select_related("author", "team")
        .order_by("-occurred_at", "-id")
    )
    if programme:
        entries = entries.filter(programme=programme)
    if kind:
        entries = entries.filter(kind=kind)
    if log:
        _log(user, AccessLog.Action.FILE_TIMELINE, file, request=request)
    return entries


def notes_for(*, user, file: SocialFile, request=None, log: bool = True) -> QuerySet[Note]:
    """The file's notes ``user`` may read (same visibility rules as the timeline), newest first."""
    _check(user, file)
    notes = (
        Note.objects.filter(perms.visible_entries_q(user), file=file)
        .select_related("author", "accompaniment", "team")
        .order_by("-created_at", "-id")
    )
    if log:
        _log(user, AccessLog.Action.FILE_NOTES, file, request=request)
    return notes


def note_get(*, user, pk, request=None) -> Note:
    """One note, logged as ``note.view``; ``Http404`` unless ``perms.can_view_note``."""
    note = Note.objects.select_related("file", "author", "accompaniment").filter(pk=pk).first()
    if note is None or not perms.can_view_note(user, note):
        raise Http404
    _log(user, AccessLog.Action.NOTE_VIEW, note.file, obj=note, request=request)
    return note


def documents_for(*, user, file: SocialFile, request=None, log: bool = True) -> QuerySet[Document]:
    """The file's documents ``user`` may see (``perms.visible_documents_q``), newest first."""
    _check(user, file)
    documents = (
        Document.objects.filter(perms.visible_documents_q(user), file=file)
        .select_related("uploaded_by", "accompaniment")
        .order_by("-uploaded_at", "-id")
    )
    if log:
        _log(user, AccessLog.Action.FILE_DOCUMENTS, file, request=request)
    return documents


def document_get(*, user, pk, request=None) -> Document:
    """One document for download, logged as ``document.download``; ``Http404`` unless allowed."""
    document = Document.objects.select_related("file").filter(pk=pk).first()
    if document is None or not perms.can_view_document(user, document):
        raise Http404
    _log(user, AccessLog.Action.DOCUMENT_DOWNLOAD, document.file, obj=document, request=request)
    return document


def emergency_accesses_to_review(*, user, request=None) -> QuerySet[EmergencyAccess]:
    """Emergency accesses the DPO has not reviewed yet (the alerts), oldest first.

    DPO only (``perms.can_review_emergency_accesses``), else ``Http404``. Logged once: the
    reasons may name the person.
    """
    if not perms.can_review_emergency_accesses(user):
        raise Http404
    access_log_write(actor=user, action=AccessLog.Action.EMERGENCY_REVIEW, request=request)
    return (
        EmergencyAccess.objects.filter(dpo_reviewed_at__isnull=True)
        .select_related("user", "file")
        .order_by("started_at", "pk")
    )


def file_to_break_glass_on(*, user, citizen_id) -> SocialFile | None:
    """The citizen's file (id only, no content) for the emergency-access flow, or ``None``.

    Only for users who may take emergency access (a current file role): they learn that a file
    exists — the point of breaking the glass — and nothing of what it holds. Not logged: taking
    the access is (``emergency_access_open``), and so is every read made under it.
    """
    if not perms.can_take_emergency_access(user):
        raise Http404
    return SocialFile.objects.filter(citizen_id=citizen_id).only("pk", "citizen_id").first()


def caseload_for(
    *, user, programme: str = "", status: str = "", referent: bool = False, contact: str = ""
) -> QuerySet[SocialFile]:
    """The files ``user`` may see, with their last visible contact and open accompaniments, latest contact first.

    Filters: ``programme`` (an accompaniment in it; open only with ``status="open"``), ``status``
    (``"open"``: an open accompaniment, ``"closed"``: none), ``referent`` (an open accompaniment of
    which the user is the referent), ``contact`` (``"30"``: a contact in the last 30 days, ``"90"``: none
    in 90 days). Not logged: the caseload page writes its own access-log row (it lists names).
    """
    last_contact = (
        TimelineEntry.objects.filter(perms.visible_entries_q(user), citizen_id=OuterRef("citizen_id"))
        .order_by("-occurred_at", "-id")
        .values("occurred_at")[:1]
    )
    files = files_for(user=user).annotate(last_contact=Subquery(last_contact))
    open_accompaniments = Accompaniment.objects.filter(file=OuterRef("pk"), status=Accompaniment.Status.OPEN)
    if programme:
        in_programme = Accompaniment.objects.filter(file=OuterRef("pk"), programme=programme)
        if status == "open":
            in_programme = in_programme.filter(status=Accompaniment.Status.OPEN)
        files = files.filter(Exists(in_programme))
    if status == "open":
        files = files.filter(Exists(open_accompaniments))
    elif status == "closed":
        files = files.filter(~Exists(open_accompaniments))
    if referent:
        files = files.filter(Exists(open_accompaniments.filter(referent=user)))
    since = timezone.now()
    if contact == "30":
        files = files.filter(last_contact__gte=since - datetime.timedelta(days=30))
    elif contact == "90":
        files = files.filter(Q(last_contact__isnull=True) | Q(last_contact__lt=since - datetime.timedelta(days=90)))
    return files.prefetch_related(
        Prefetch(
            "accompaniments",
            queryset=Accompaniment.objects.filter(status=Accompaniment.Status.OPEN)
            .select_related("team", "referent")
            .order_by("programme"),
            to_attr="open_accompaniments",
        )
    ).order_by(F("last_contact").desc(nulls_last=True), "-pk")


def emergency_access_current(*, user, file: SocialFile) -> EmergencyAccess | None:
    """The user's own emergency access to ``file`` still running now (the latest to expire), if any."""
    return (
        EmergencyAccess.objects.filter(file=file, user=user, ended_at__isnull=True, expires_at__gt=timezone.now())
        .order_by("-expires_at")
        .first()
    )
