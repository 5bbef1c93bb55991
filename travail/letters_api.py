"""The outgoing register under ``/api/v1/`` (mounted on ``config.api.api``): ``GET /outgoing-letters``, the
letters of the caller's teams, newest first. Same selector as the back office's register: a team the caller
is not in is a 404, a row names its recipient only when the caller may see its file or request, and each
call writes one access-log row."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from grc.api_errors import READ_ERRORS
from grc.perms import is_agent
from grc.schemas import BIGINT_MAX, OFFSET_MAX, MessageOut

from . import letters_selectors as selectors

router = Router(tags=["travail"])


class LetterQuery(Schema):
    team_id: int | None = Field(None, ge=1, le=BIGINT_MAX)
    year: int | None = Field(None, ge=2000, le=2100)
    mine: bool = False
    q: str = Field("", max_length=100)
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=OFFSET_MAX)


class LetterOut(Schema):
    id: int
    reference: str
    year: int
    number: int
    date: datetime.datetime
    team_id: int
    subject: str
    author: str
    # None when the caller may not see the letter's file or request.
    recipient: str | None
    request_code: str | None
    file_id: int | None
    in_portal: bool


class LetterPageOut(Schema):
    items: list[LetterOut]
    limit: int
    offset: int
    has_more: bool


def letter_out(letter) -> dict:
    visible = letter.recipient_visible
    return {
        "id": letter.pk,
        "reference": letter.reference,
        "year": letter.year,
        "number": letter.number,
        "date": letter.created_at,
        "team_id": letter.team_id,
        "subject": letter.subject,
        "author": letter.author.get_full_name() or letter.author.email,
        "recipient": letter.recipient_name if visible else None,
        "request_code": letter.request.tracking_code if visible and letter.request_id else None,
        "file_id": letter.file_id if visible else None,
        "in_portal": letter.portal_message_id is not None or letter.portal_published_at is not None,
    }


@router.get("/outgoing-letters", response={200: LetterPageOut, **READ_ERRORS, 403: MessageOut})
def outgoing_letter_list(request, query: Query[LetterQuery]):
    """The outgoing register of the caller's teams (``team_id``: one of them), newest first."""
    if not is_agent(request.auth):
        raise PermissionDenied(_("Réservé aux agents du Département."))
    filters = {"team_id": query.team_id, "year": query.year, "mine": query.mine, "q": query.q.strip()}
    qs = selectors.outgoing_register(user=request.auth, http_request=request, **filters).select_related("request")
    rows = list(qs[query.offset : query.offset + query.limit + 1])
    selectors.mark_visible_recipients(user=request.auth, letters=rows)
    return {
        "items": [letter_out(letter) for letter in rows[: query.limit]],
        "limit": query.limit,
        "offset": query.offset,
        "has_more": len(rows) > query.limit,
    }
