"""Mail intake: what a scan must be before it is stored, and how letters are numbered.

``validate_scan`` passes the file through the one upload gate (``grc.uploads``, scan policy: PDF,
JPEG, PNG, TIFF read from the bytes), which refuses empty, oversized, corrupt, encrypted, disguised,
too-long or too-large (bombs) files with a French message. The write itself (stored once under its
SHA-256, numbered gap-free, recognition enqueued on commit) is ``mail.services.mail_receive``;
nothing slow runs in the request: OCR is the worker's job.
"""

from __future__ import annotations

from dataclasses import dataclass

from grc import uploads
from mail.models import MailItem


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


def scan_name(uploaded_file) -> str:
    """The uploaded file's name, cleaned (``grc.uploads.clean_name``; "scan" when it has none)."""
    return uploads.clean_name(uploaded_file, "scan")


def format_registration_number(year: int, number: int) -> str:
    return f"{year}-C-{number:06d}"
