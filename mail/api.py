"""Mail endpoints under ``/api/v1/mail`` (mounted on ``config.api.api``): scanning stations post scans here.

``POST /mail`` (multipart, field ``files``, one or several files): mailroom agents and service
accounts with the mailroom-agent role. Every file gets a line: id, registration number, status and
duplicate flag, or a French error and its code (files go through ``grc.uploads``, the one upload
gate); a refused file never stops the others: 201 when at least one landed, and the body says which
were refused, so a station gets the number of every file registered and never re-sends one. When
every file is refused: 413 if they were all too big, else 422. Recognition runs later
in the worker: poll ``GET /mail/{id}`` for status, OCR text, per-page confidence and suggestions
(404 for an item the caller may not see).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import File, Router, Status
from ninja.files import UploadedFile

from grc.schemas import MessageOut, ObjectId, ValidationErrorOut
from mail import intake, selectors, services
from mail.models import MailBatch
from mail.perms import can_receive_mail
from mail.schemas import MailBatchOut, MailItemOut

router = Router(tags=["courrier"])

# A request may carry a batch: at most this many maximum-size files.
MAX_FILES_PER_REQUEST = 50


def _line_out(line: intake.BatchLine) -> dict:
    if line.item is None:
        return {"file": line.name, "error": line.error, "code": line.code}
    return {
        "file": line.name,
        "id": line.item.pk,
        "registration_number": line.item.registration_number,
        "status": line.item.status,
        "duplicate": line.duplicate,
    }


@router.post(
    "/mail",
    response={
        201: MailBatchOut,
        401: MessageOut,
        403: MessageOut,
        413: MailBatchOut | MessageOut,
        422: MailBatchOut | ValidationErrorOut,
    },
)
def mail_post(request, files: File[list[UploadedFile]]):
    """Receive scans (PDF, JPEG, PNG, TIFF; type read from the content): one result per file."""
    user = request.auth
    if not can_receive_mail(user):
        raise PermissionDenied(_("Seul le service courrier peut déposer des courriers."))
    if len(files) > MAX_FILES_PER_REQUEST:
        return Status(
            413,
            {"detail": _("Au plus %(max)s fichiers par envoi.") % {"max": MAX_FILES_PER_REQUEST}},
        )
    lines = services.mail_receive_batch(files=files, user=user, source=MailBatch.Source.API)
    results = [_line_out(line) for line in lines]
    received = sum(1 for line in lines if line.ok)
    body = {
        # Every line of one call carries the same batch, refused or not (a refused first file made this a 500).
        "batch_id": lines[0].batch_id if lines else 0,
        "received": received,
        "refused": len(lines) - received,
        "results": results,
    }
    if received:
        return Status(201, body)
    if all(line.code == "too_big" for line in lines):
        return Status(413, body)
    return Status(422, body)


@router.get(
    "/mail/{int:item_id}", response={200: MailItemOut, 401: MessageOut, 404: MessageOut, 422: ValidationErrorOut}
)
def mail_read(request, item_id: ObjectId):
    """A mail item's status, OCR text, per-page confidence and suggestions (access-logged)."""
    item = selectors.mail_get(user=request.auth, pk=item_id, request=request, purpose="API")
    return {
        "id": item.pk,
        "registration_number": item.registration_number,
        "status": item.status,
        "status_label": item.get_status_display(),
        "received_at": item.received_at,
        "original_name": item.original_name,
        "content_type": item.content_type,
        "size": item.size,
        "page_count": item.page_count,
        "failure_reason": item.failure_reason,
        "ocr_text": item.ocr_text,
        "ocr_confidence": item.ocr_confidence,
        "recognised_at": item.recognised_at,
        "pages": [{"number": p.number, "confidence": p.confidence} for p in item.pages.all()],
        # Suggested citizens as they are now, each logged (not the names stored at recognition).
        "suggestions": {
            **(item.suggestions or {}),
            "citizen": selectors.mail_suggested_citizens(user=request.auth, item=item, request=request),
        },
        "duplicate_uploads": item.duplicate_uploads.count(),
    }
