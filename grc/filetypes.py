"""What an uploaded file really is, from its first bytes (never from its name or the browser's word).

Used by the one upload gate (``grc.uploads``); ``EXTENSIONS`` says which content type each accepted
file-name extension must hold.
"""

from __future__ import annotations

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
TIFF = "image/tiff"
ZIP = "application/zip"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"

OFFICE_TYPES = (DOCX, XLSX, ODT, ODS)
IMAGE_TYPES = (JPEG, PNG, TIFF)

# Accepted file-name extension -> the content type the bytes must be.
EXTENSIONS = {
    "pdf": PDF,
    "png": PNG,
    "jpg": JPEG,
    "jpeg": JPEG,
    "tif": TIFF,
    "tiff": TIFF,
    "docx": DOCX,
    "xlsx": XLSX,
    "odt": ODT,
    "ods": ODS,
}

# Signature -> content type. ZIP is a container: the gate looks inside (office documents).
_SIGNATURES = (
    (b"%PDF-", PDF),
    (b"\xff\xd8\xff", JPEG),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"II*\x00", TIFF),
    (b"MM\x00*", TIFF),
    (b"PK\x03\x04", ZIP),
)


def sniff(head: bytes) -> str | None:
    """The content type the first bytes (16 are enough) announce, or None when not one we know."""
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None
