"""Mail intake: check a scan, store it once, number it, hand it to the recognition worker.

``validate_scan`` passes the file through the one upload gate (``grc.uploads``, scan policy: PDF,
JPEG, PNG, TIFF read from the bytes), which refuses empty, oversized, corrupt, encrypted, disguised,
too-long or too-large (bombs) files with a French message. ``receive_scan`` stores the original under
its SHA-256 (never twice: the same bytes again are recorded as a ``MailDuplicateUpload`` on the first
item), gives it the next registration number of the year (gap-free: the year's counter row is locked
in the same transaction as the insert) and enqueues recognition once the transaction commits. Nothing
slow runs in the request: OCR is the worker's job.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grc import uploads
from grc.history import track
from mail.models import (
    MailBatch,
    MailDuplicateUpload,
    MailEvent,
    MailItem,
    RegistrationCounter,
    mail_original_path,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReceiveResult:
    item: MailItem
    duplicate: bool


@dataclass(frozen=True)
class BatchLine:
    """One file of a batch: its name and either the item (new or the one it duplicates) or an error."""

    name: str
    item: MailItem | None = None
    duplicate: bool = False
    error: str = ""
    code: str = ""  # the refusal's code: "empty", "too_big", "bad_format", "corrupt", "encrypted"...
    batch_id: int = 0  # the batch this upload belongs to (a duplicate's item belongs to an earlier one)

    @property
    def ok(self) -> bool:
        return self.item is not None


def validate_scan(uploaded_file) -> uploads.CheckedFile:
    """Check an uploaded scan through the upload gate (``grc.uploads.scan_policy``).

    Accepted: PDF (not encrypted), JPEG, PNG, TIFF (multi-page), not empty, at most
    ``MAIL_MAX_BYTES`` (30 MB), ``MAIL_MAX_PAGES`` pages (50) and ``MAIL_MAX_PIXELS`` pixels per page
    or frame (60 million); a name without extension is accepted (scanning stations), one with an
    extension must name the content. Raises ``UploadRefused`` (a ``ValidationError``, French message).
    """
    return uploads.check(uploaded_file, uploads.scan_policy())


def _clean_name(uploaded_file) -> str:
    return uploads.clean_name(uploaded_file, "scan")


def format_registration_number(year: int, number: int) -> str:
    return f"{year}-C-{number:06d}"


def _lock_counter(year: int) -> RegistrationCounter:
    """The year's counter, locked (SELECT ... FOR UPDATE) until the caller's transaction ends."""
    RegistrationCounter.objects.bulk_create([RegistrationCounter(year=year)], ignore_conflicts=True)
    return RegistrationCounter.objects.select_for_update().get(year=year)


def _record_duplicate(*, item: MailItem, user, name: str, batch) -> ReceiveResult:
    MailDuplicateUpload.objects.create(item=item, uploaded_by=user, original_name=name, batch=batch)
    return ReceiveResult(item=item, duplicate=True)


def enqueue_recognition(item_id: int) -> None:
    """Put the item on the recognition queue; if that fails, ``mail_recover`` will pick it up."""
    from mail.tasks import recognise_mail

    try:
        recognise_mail.enqueue(item_id)
    except Exception:  # the item stays "received": recovery re-enqueues it
        logger.exception("mail %s: recognition could not be enqueued", item_id)


def receive_scan(*, uploaded_file, user, batch: MailBatch | None = None) -> ReceiveResult:
    """Register one scan: validated, stored once by SHA-256, numbered, recognition enqueued on commit.

    The same bytes already received give ``duplicate=True`` with the first item and a
    ``MailDuplicateUpload`` row; no file is stored and no number is used. A refused file
    (``ValidationError``) uses no number either.
    """
    checked = validate_scan(uploaded_file)
    name = _clean_name(uploaded_file)

    existing = MailItem.objects.filter(sha256=checked.sha256).first()
    if existing is not None:
        with transaction.atomic():
            return _record_duplicate(item=existing, user=user, name=name, batch=batch)

    # Store before taking the counter lock, so the lock is held only for two short writes.
    # The path is the SHA-256: a file already there (an earlier attempt that rolled back) has the same bytes.
    from dossier_unique.documents import document_storage

    storage = document_storage()
    path = mail_original_path(SimpleNamespace(sha256=checked.sha256), name)
    stored_here = None
    if not storage.exists(path):
        uploaded_file.seek(0)
        stored_here = storage.save(path, uploaded_file)
        path = stored_here

    today = timezone.localdate()
    try:
        with transaction.atomic():
            counter = _lock_counter(today.year)
            # Re-checked under the counter lock: a concurrent upload of the same bytes has committed by now.
            existing = MailItem.objects.filter(sha256=checked.sha256).first()
            if existing is not None:
                result = _record_duplicate(item=existing, user=user, name=name, batch=batch)
            else:
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
                result = ReceiveResult(item=item, duplicate=False)
                transaction.on_commit(lambda: enqueue_recognition(item.pk))
    except Exception:
        if stored_here is not None:
            storage.delete(stored_here)
        raise
    if result.duplicate and stored_here is not None and stored_here != result.item.original.name:
        storage.delete(stored_here)
    return result


def receive_batch(*, files, user, source: str = MailBatch.Source.SCREEN, label: str = "") -> list[BatchLine]:
    """Receive several files as one batch: one line per file; a refused file never stops the others."""
    files = list(files)
    batch = MailBatch.objects.create(created_by=user, source=source, label=label[:150])
    lines = []
    for uploaded_file in files:
        name = _clean_name(uploaded_file)
        try:
            result = receive_scan(uploaded_file=uploaded_file, user=user, batch=batch)
        except ValidationError as exc:
            code = getattr(exc, "code", None) or (exc.error_list[0].code if hasattr(exc, "error_list") else "")
            lines.append(BatchLine(name=name, error=" ".join(exc.messages), code=code or "invalid", batch_id=batch.pk))
        else:
            lines.append(BatchLine(name=name, item=result.item, duplicate=result.duplicate, batch_id=batch.pk))
    return lines
