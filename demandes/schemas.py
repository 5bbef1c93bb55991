"""API schemas of requests (django-ninja)."""

from __future__ import annotations

import datetime

from ninja import Schema
from pydantic import Field

from grc.schemas import OFFSET_MAX


class RequestEventOut(Schema):
    at: datetime.datetime
    from_status: str
    to_status: str
    comment: str
    visible_to_citizen: bool


class RequestMessageOut(Schema):
    at: datetime.datetime
    from_citizen: bool
    body: str
    attachments: list[str]


class RequestSummaryOut(Schema):
    tracking_code: str
    procedure_title: str
    status: str
    channel: str
    citizen_id: int | None
    team_id: int | None
    assigned_to_id: int | None
    due_date: datetime.date | None
    submitted_at: datetime.datetime | None


class RequestOut(RequestSummaryOut):
    answers: dict
    missing_items: list[str]
    decided_at: datetime.datetime | None
    decision_reason: str
    attachments: list[str]
    events: list[RequestEventOut]
    messages: list[RequestMessageOut]


class QueueQuery(Schema):
    status: str = Field("", description="un statut, « all », ou vide pour les demandes en cours")
    procedure: str = Field("", max_length=255)
    assigned: str = Field("", pattern="^(|me|none)$")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=OFFSET_MAX)


class QueuePageOut(Schema):
    items: list[RequestSummaryOut]
    limit: int
    offset: int
    has_more: bool
