"""Where social-file documents are stored and what content is accepted.

Documents never live under ``MEDIA_ROOT`` (which a web server may expose): they go to the
``dsu_documents`` storage when ``STORAGES`` defines one (object storage in production, a private
bucket), else to ``DSU_DOCUMENTS_ROOT`` (default ``<GRC_VAR_DIR>/private/documents``). They are
served only through a permission-checked view.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage, storages
from django.http import FileResponse
from django.utils.translation import gettext as _

from grc import filetypes

DEFAULT_DOCUMENT_MAX_BYTES = 20 * 1024 * 1024


class PrivateDocumentStorage(FileSystemStorage):
    """A file-system storage outside the web root whose location is read from settings when used."""

    @property
    def base_location(self):
        return str(
            getattr(settings, "DSU_DOCUMENTS_ROOT", None) or os.path.join(settings.VAR_DIR, "private", "documents")
        )

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None  # no public URL: downloads go through the back office


def document_storage():
    if "dsu_documents" in settings.STORAGES:
        return storages["dsu_documents"]
    return PrivateDocumentStorage()


@dataclass(frozen=True)
class CheckedContent:
    content_type: str
    size: int
    sha256: str


# extension -> accepted content type
_EXTENSIONS = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}


def _sniff(upload, head: bytes) -> str | None:
    """The content type the bytes really are, or None when not an accepted format."""
    content_type = filetypes.sniff(head)
    if content_type in (filetypes.PDF, filetypes.PNG, filetypes.JPEG):
        return content_type
    if content_type == filetypes.ZIP:
        upload.seek(0)
        try:
            with zipfile.ZipFile(upload) as archive:
                names = set(archive.namelist())
                if "mimetype" in names:
                    mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
                    if mimetype in _EXTENSIONS.values():
                        return mimetype
                if "[Content_Types].xml" in names:
                    if any(n.startswith("word/") for n in names):
                        return _EXTENSIONS["docx"]
                    if any(n.startswith("xl/") for n in names):
                        return _EXTENSIONS["xlsx"]
        except zipfile.BadZipFile:
            return None
    return None


def validate_document(upload) -> CheckedContent:
    """Check an uploaded file by its content, not its name or declared type.

    Accepted: PDF, PNG, JPEG, Word/Excel (OOXML) and OpenDocument text/spreadsheet, at most
    ``DOCUMENT_MAX_BYTES`` (20 MB by default), not empty, and the extension must match the
    content. Raises ``ValidationError`` with a French message; returns the real content type,
    the size and the SHA-256.
    """
    max_bytes = getattr(settings, "DOCUMENT_MAX_BYTES", DEFAULT_DOCUMENT_MAX_BYTES)
    size = upload.size
    if not size:
        raise ValidationError(_("Le fichier est vide."), code="empty")
    if size > max_bytes:
        raise ValidationError(
            _("Le fichier dépasse la taille maximale autorisée (%(max)s Mo).")
            % {"max": round(max_bytes / (1024 * 1024), 1)},
            code="too_big",
        )
    upload.seek(0)
    head = upload.read(16)
    content_type = _sniff(upload, head)
    if content_type is None:
        raise ValidationError(
            _(
                "Ce format de fichier n'est pas accepté : déposez un PDF, une image PNG ou JPEG, "
                "ou un document bureautique."
            ),
            code="bad_format",
        )
    extension = os.path.splitext(upload.name or "")[1].lower().lstrip(".")
    if _EXTENSIONS.get(extension) != content_type:
        raise ValidationError(
            _("Le contenu du fichier ne correspond pas à son extension « %(ext)s ».") % {"ext": extension or "—"},
            code="extension_mismatch",
        )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedContent(content_type=content_type, size=size, sha256=digest.hexdigest())


def attachment_response(document) -> FileResponse:
    """A document's bytes as a download: its checked content type, never rendered inline nor cached."""
    response = FileResponse(
        document.content.open("rb"),
        as_attachment=True,
        filename=document.original_name or f"document-{document.pk}",
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
