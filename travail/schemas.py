"""API schemas of tasks and notifications (django-ninja)."""

from __future__ import annotations

import datetime

from ninja import Schema
from pydantic import Field

from grc.schemas import BIGINT_MAX, OFFSET_MAX, InputSchema


class TaskIn(InputSchema):
    title: str = Field(..., min_length=1, max_length=200)
    due_date: datetime.date | None = None
    # Nobody named: the task is the caller's own.
    assignee_id: int | None = Field(None, ge=1, le=BIGINT_MAX)
    team_id: int | None = Field(None, ge=1, le=BIGINT_MAX)
    # At most one subject.
    request_code: str = Field("", max_length=40, pattern=r"^[A-Za-z0-9-]*$")
    file_id: int | None = Field(None, ge=1, le=BIGINT_MAX)
    mail_item_id: int | None = Field(None, ge=1, le=BIGINT_MAX)


class TaskOut(Schema):
    id: int
    title: str
    due_date: datetime.date | None
    assignee_id: int | None
    team_id: int | None
    source: str
    request_code: str | None
    file_id: int | None
    mail_item_id: int | None
    invitation_id: int | None
    created_at: datetime.datetime
    done_at: datetime.datetime | None
    url: str


class TaskQuery(Schema):
    scope: str = Field("moi", pattern="^(moi|equipe|faites)$")
    due: str = Field("", pattern="^(|en_retard|aujourdhui)$")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=OFFSET_MAX)


class TaskPageOut(Schema):
    items: list[TaskOut]
    limit: int
    offset: int
    has_more: bool


class NotificationOut(Schema):
    id: int
    kind: str
    label: str
    url: str
    created_at: datetime.datetime
    read_at: datetime.datetime | None


class NotificationQuery(Schema):
    unread: bool = False
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=OFFSET_MAX)


class NotificationPageOut(Schema):
    items: list[NotificationOut]
    unread_count: int
    limit: int
    offset: int
    has_more: bool
