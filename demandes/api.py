"""Requests endpoints under ``/api/v1/`` (mounted on ``config.api.api``).

Same selectors as the back office: the same permission rules, the same 404s and the same
access-log rows (one per call). Authentication is the API's (staff session with 2FA, or a service
token); errors keep its ``{"detail": ...}`` shape.
"""

from __future__ import annotations

from ninja import Query, Router

from grc.schemas import MessageOut, ObjectId, TrackingCode, ValidationErrorOut

from . import selectors
from .schemas import QueuePageOut, QueueQuery, RequestOut

router = Router(tags=["demandes"])

READ_ERRORS = {401: MessageOut, 404: MessageOut, 422: ValidationErrorOut}


@router.get("/requests/{tracking_code}", response={200: RequestOut, **READ_ERRORS})
def request_read(request, tracking_code: TrackingCode):
    """One request (answers, status history, messages) if the caller's team handles it, else 404."""
    req = selectors.request_get(user=request.auth, code=tracking_code, http_request=request)
    detail = selectors.request_detail(request_obj=req, user=request.auth)
    return {
        **{f: getattr(req, f) for f in RequestOut.model_fields if hasattr(req, f) and f not in ("messages", "events")},
        "attachments": [a.original_name for a in detail["form_attachments"]],
        "events": detail["events"],
        "messages": [
            {
                "at": m.at,
                "from_citizen": m.from_citizen,
                "body": m.body,
                "attachments": [a.original_name for a in m.attachments.all()],
            }
            for m in detail["thread"]
        ],
    }


@router.get("/teams/{int:team_id}/requests", response={200: QueuePageOut, **READ_ERRORS})
def team_queue(request, team_id: ObjectId, query: Query[QueueQuery]):
    """A team's queue (overdue first, then by due date) for a member of the team, else 404."""
    _team, requests, _counts = selectors.request_queue(
        user=request.auth,
        team_id=team_id,
        status=query.status,
        procedure=query.procedure,
        assigned=query.assigned,
        http_request=request,
    )
    rows = list(requests[query.offset : query.offset + query.limit + 1])
    return {
        "items": rows[: query.limit],
        "limit": query.limit,
        "offset": query.offset,
        "has_more": len(rows) > query.limit,
    }
