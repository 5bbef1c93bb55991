"""Read endpoints of the social file under ``/api/v1/`` (mounted on ``config.api.api``).

Same selectors as the back office, so the same permission filters, the same 404s (a file, note or
document the caller may not see does not exist for them) and the same access-log rows: each call
writes exactly one row — the selector named by the endpoint logs, and any other selector called in
the same request passes ``log=False``. Authentication is the API's (staff session with 2FA, or a
service token); errors keep its ``{"detail": ...}`` shape.
"""

from __future__ import annotations

from django.db.models import Prefetch
from ninja import Query, Router

from grc.audit.models import AccessLog
from grc.audit.services import access_log_write
from grc.downloads import attachment_response
from grc.filetypes import EXTENSIONS
from grc.schemas import MessageOut, ObjectId, ValidationErrorOut

from . import selectors
from .models import Accompaniment, SocialFile
from .schemas import (
    DocumentOut,
    FileOut,
    FilePageOut,
    NoteOut,
    PageQuery,
    TimelinePageOut,
    TimelineQuery,
)

router = Router(tags=["dossier social"])

READ_ERRORS = {401: MessageOut, 404: MessageOut, 422: ValidationErrorOut}


def _page(queryset, page):
    """``limit`` rows from ``offset``, and whether more follow (one query: ``limit + 1`` rows, no count)."""
    rows = list(queryset[page.offset : page.offset + page.limit + 1])
    has_more = len(rows) > page.limit
    return {"items": rows[: page.limit], "limit": page.limit, "offset": page.offset, "has_more": has_more}


@router.get("/files", response={200: FilePageOut, **READ_ERRORS})
def files_list(request, page: Query[PageQuery]):
    """The files the caller may see (followed by them or their teams), with their open accompaniments."""
    user = request.auth
    open_accompaniments = Prefetch(
        "accompaniments",
        queryset=Accompaniment.objects.filter(status=Accompaniment.Status.OPEN).select_related("team", "referent"),
        to_attr="open_accompaniments",
    )
    files = (
        selectors.files_for(user=user)
        .prefetch_related(open_accompaniments)
        .order_by("citizen__birth_name", "citizen__first_names", "pk")
    )
    result = _page(files, page)
    # ``files_for`` does not log (a caseload list); through the API the names leave the system, so
    # the read is logged once, like a citizen search.
    access_log_write(
        actor=user,
        action=AccessLog.Action.API_READ,
        object_type=SocialFile._meta.label_lower,
        purpose=f"API : liste de {len(result['items'])} dossier(s)",
        request=request,
    )
    return result


@router.get("/files/{int:file_id}", response={200: FileOut, **READ_ERRORS})
def file_read(request, file_id: ObjectId):
    """A file: the citizen's identity summary, every accompaniment and every member."""
    file = selectors.file_get(user=request.auth, pk=file_id, request=request)
    return {
        "id": file.pk,
        "created_at": file.created_at,
        "territory_id": file.territory_id,
        "citizen": file.citizen,
        "accompaniments": list(file.accompaniments.select_related("team", "referent").order_by("-start_date", "-pk")),
        "members": list(file.members.select_related("user").order_by("-start_date", "-pk")),
    }


@router.get("/files/{int:file_id}/timeline", response={200: TimelinePageOut, **READ_ERRORS})
def file_timeline(request, file_id: ObjectId, filters: Query[TimelineQuery]):
    """The citizen's timeline as the caller may see it, newest first, paged; filter by programme or kind."""
    user = request.auth
    file = selectors.file_get(user=user, pk=file_id, log=False)
    entries = selectors.timeline_for(
        user=user, file=file, programme=filters.programme, kind=filters.kind, request=request
    )
    return _page(entries, filters)


@router.get("/files/{int:file_id}/notes", response={200: list[NoteOut], **READ_ERRORS})
def file_notes(request, file_id: ObjectId, page: Query[PageQuery]):
    """The notes the caller may read (private: author only; team: the accompaniment's team), newest first."""
    user = request.auth
    file = selectors.file_get(user=user, pk=file_id, log=False)
    notes = selectors.notes_for(user=user, file=file, request=request)
    return list(notes[page.offset : page.offset + page.limit])


@router.get("/files/{int:file_id}/documents", response={200: list[DocumentOut], **READ_ERRORS})
def file_documents(request, file_id: ObjectId, page: Query[PageQuery]):
    """The file's documents the caller may see (metadata only; confidential ones to their team)."""
    user = request.auth
    file = selectors.file_get(user=user, pk=file_id, log=False)
    documents = selectors.documents_for(user=user, file=file, request=request)
    return list(documents[page.offset : page.offset + page.limit])


@router.get(
    "/documents/{int:document_id}/content",
    response={200: None, **READ_ERRORS},
    openapi_extra={
        "responses": {
            200: {
                "description": "Le contenu du document, en pièce jointe.",
                # The file's own checked type (the upload gate's list), not a generic octet-stream: a client
                # and the contract tests can tell what they will receive.
                "content": {
                    content_type: {"schema": {"type": "string", "format": "binary"}}
                    for content_type in sorted(set(EXTENSIONS.values()))
                },
            }
        }
    },
)
def document_content(request, document_id: ObjectId):
    """Download a document (as an attachment, with its checked content type)."""
    document = selectors.document_get(user=request.auth, pk=document_id, request=request)
    return attachment_response(
        file=document.content,
        filename=document.original_name or f"document-{document.pk}",
        content_type=document.content_type,
    )
