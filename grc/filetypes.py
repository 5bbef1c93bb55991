"""What an uploaded file really is, from its first bytes (never from its name or the browser's word).

Shared by the social file's documents and request attachments (``dossier_unique.documents``) and
the mailroom's scans (``grc.mail.intake``); each accepts its own subset and says so in French.
"""

from __future__ import annotations

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
TIFF = "image/tiff"
ZIP = "application/zip"

# Signature -> content type. ZIP is a container: the caller looks inside (office documents).
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
