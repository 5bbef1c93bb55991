"""Mail intake: check a scan, store it once, number it, hand it to the recognition worker.

``validate_scan`` decides the type from the bytes (PDF, JPEG, PNG, TIFF), never the name, and
refuses empty, oversized, corrupt, encrypted, too-long or too-large (image bomb) files with a French
message. ``receive_scan`` stores the original under its SHA-256 (never twice: the same bytes again are
recorded as a ``MailDuplicateUpload`` on the first item), gives it the next registration number of the
year (gap-free: the year's counter row is locked in the same transaction as the insert) and enqueues
recognition once the transaction commits. Nothing slow runs in the request: OCR is the worker's job.
"""

from __future__ import annotations

import hashlib
import logging
import os
import warnings
from dataclasses import dataclass
from types import SimpleNamespace

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image

from grc import filetypes
from grc.filetypes import JPEG, PDF, PNG, TIFF
from grc.history import track
from grc.mail.models import (
    MailBatch,
    MailDuplicateUpload,
    MailEvent,
    MailItem,
    RegistrationCounter,
    mail_original_path,
)

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 30 * 1024 * 1024
DEFAULT_MAX_PAGES = 50
# 60 Mpx per page/frame: an A3 page at 400 dpi fits; a decompression bomb does not.
DEFAULT_MAX_PIXELS = 60_000_000

ACCEPTED_TYPES = (PDF, JPEG, PNG, TIFF)
_PIL_FORMATS = {JPEG: "JPEG", PNG: "PNG", TIFF: "TIFF"}


@dataclass(frozen=True)
class CheckedScan:
    content_type: str
    size: int
    sha256: str
    page_count: int


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

    @property
    def ok(self) -> bool:
        return self.item is not None


def max_bytes() -> int:
    return getattr(settings, "MAIL_MAX_BYTES", DEFAULT_MAX_BYTES)


def max_pages() -> int:
    return getattr(settings, "MAIL_MAX_PAGES", DEFAULT_MAX_PAGES)


def max_pixels() -> int:
    return getattr(settings, "MAIL_MAX_PIXELS", DEFAULT_MAX_PIXELS)


def human_size(size: int) -> str:
    """``31457280`` → "30 Mo", ``51200`` → "50 Ko" (French decimal comma)."""
    if size >= 1024 * 1024:
        return _("%(n)s Mo") % {"n": f"{round(size / (1024 * 1024), 1):g}".replace(".", ",")}
    return _("%(n)s Ko") % {"n": max(1, round(size / 1024))}


def sniff(head: bytes) -> str | None:
    """The content type the first bytes announce, or None when not an accepted scan format."""
    content_type = filetypes.sniff(head)
    return content_type if content_type in ACCEPTED_TYPES else None


def _read_all(uploaded_file) -> bytes:
    uploaded_file.seek(0)
    data = b"".join(uploaded_file.chunks()) if hasattr(uploaded_file, "chunks") else uploaded_file.read()
    uploaded_file.seek(0)
    return data


def _corrupt() -> ValidationError:
    return ValidationError(
        _("Le fichier est illisible ou endommagé : numérisez à nouveau le document."), code="corrupt"
    )


def _too_many_pages(count: int) -> ValidationError:
    return ValidationError(
        _("Le document compte %(count)s pages ; au plus %(max)s pages par fichier.")
        % {"count": count, "max": max_pages()},
        code="too_many_pages",
    )


def _too_large_image(pixels: int | None) -> ValidationError:
    if pixels is None:  # Pillow refused it before we could read the size: far beyond any scan
        return ValidationError(
            _("L'image est bien trop grande (plus de %(max)s millions de pixels) : numérisez à 300 dpi au plus.")
            % {"max": round(max_pixels() / 1_000_000)},
            code="too_many_pixels",
        )
    return ValidationError(
        _("L'image est trop grande (%(mpx)s millions de pixels, au plus %(max)s) : numérisez à 300 dpi au plus.")
        % {"mpx": round(pixels / 1_000_000), "max": round(max_pixels() / 1_000_000)},
        code="too_many_pixels",
    )


def _check_pdf(data: bytes) -> int:
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if exc.err_code == pdfium_c.FPDF_ERR_PASSWORD:
            raise ValidationError(
                _("Le PDF est protégé par un mot de passe : déposez une version non chiffrée."), code="encrypted"
            ) from None
        raise _corrupt() from None
    try:
        if pdfium_c.FPDF_GetSecurityHandlerRevision(pdf.raw) != -1:
            raise ValidationError(
                _("Le PDF est chiffré : déposez une version non chiffrée."), code="encrypted"
            ) from None
        count = len(pdf)
        if count == 0:
            raise _corrupt()
        if count > max_pages():
            raise _too_many_pages(count)
        return count
    finally:
        pdf.close()


def _check_image(data: bytes, content_type: str) -> int:
    import io

    limit = max_pixels()
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb limit only warns below 2x; ours is stricter and checked below.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format != _PIL_FORMATS[content_type]:
                    raise _corrupt()
                count = getattr(image, "n_frames", 1)
                if count > max_pages():
                    raise _too_many_pages(count)
                for frame in range(count):
                    if frame:
                        image.seek(frame)
                    width, height = image.size
                    if width * height > limit:
                        raise _too_large_image(width * height)
                    if width < 1 or height < 1:
                        raise _corrupt()
                    if image.format == "PNG":
                        image.verify()  # chunk checksums and the end marker: no decompression in the request
                        continue
                    if image.format == "JPEG":
                        # Decode at 1/8 scale: finds a truncated file without the cost of a full decode.
                        image.draft("L", (max(1, width // 8), max(1, height // 8)))
                    image.load()
                return count
    except Image.DecompressionBombError:
        raise _too_large_image(None) from None
    except ValidationError:
        raise
    except (OSError, SyntaxError, ValueError, EOFError, Image.UnidentifiedImageError):
        raise _corrupt() from None


def validate_scan(uploaded_file) -> CheckedScan:
    """Check an uploaded scan by its content; raise ``ValidationError`` (French message) if refused.

    Accepted: PDF (not encrypted), JPEG, PNG, TIFF (multi-page), not empty, at most
    ``MAIL_MAX_BYTES`` (30 MB), ``MAIL_MAX_PAGES`` pages (50) and ``MAIL_MAX_PIXELS`` pixels per page
    or frame (60 million). The file name and the declared content type are ignored.
    """
    size = getattr(uploaded_file, "size", None)
    if size is None:
        data = _read_all(uploaded_file)
        size = len(data)
    else:
        data = None
    if not size:
        raise ValidationError(_("Le fichier est vide."), code="empty")
    if size > max_bytes():
        raise ValidationError(
            _("Le fichier dépasse la taille maximale autorisée (%(max)s).") % {"max": human_size(max_bytes())},
            code="too_big",
        )
    if data is None:
        data = _read_all(uploaded_file)
    content_type = sniff(data[:16])
    if content_type is None:
        raise ValidationError(
            _("Ce format n'est pas accepté : déposez un PDF, une image JPEG, PNG ou TIFF."), code="bad_format"
        )
    if content_type == PDF:
        page_count = _check_pdf(data)
    else:
        page_count = _check_image(data, content_type)
    return CheckedScan(
        content_type=content_type, size=size, sha256=hashlib.sha256(data).hexdigest(), page_count=page_count
    )


def _clean_name(uploaded_file) -> str:
    name = os.path.basename((getattr(uploaded_file, "name", "") or "").replace("\\", "/"))
    return name[:255] or "scan"


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
    from grc.mail.tasks import recognise_mail

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
            lines.append(BatchLine(name=name, error=" ".join(exc.messages), code=code or "invalid"))
        else:
            lines.append(BatchLine(name=name, item=result.item, duplicate=result.duplicate))
    return lines
