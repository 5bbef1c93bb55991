"""How a stored file leaves the system: one download response for every app (request attachments,
social-file documents), so the headers that keep a hostile upload from running in our origin are
set in one place."""

from __future__ import annotations

from django.http import FileResponse


def attachment_response(*, file, filename: str, content_type: str) -> FileResponse:
    """The bytes of a stored ``file`` (a ``FieldFile``) as a download named ``filename``.

    Always an attachment (``Content-Disposition: attachment``), with the content type the upload gate
    checked and ``nosniff`` so a browser never guesses another; never cached (``private, no-store``):
    the file is personal data and the view that called this has checked and logged the access.
    """
    response = FileResponse(file.open("rb"), as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
