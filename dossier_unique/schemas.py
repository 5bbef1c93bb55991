"""Request and response shapes of the social-file API (django-ninja / pydantic).

Outputs carry no more than the back office shows: documents are listed by their metadata (the
bytes only through ``/documents/{id}/content``), timeline entries by their short title.
"""

from __future__ import annotations

import datetime
from typing import Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from grc.schemas import OFFSET_MAX

from .models import Programme, TimelineEntry

ProgrammeValue = Literal[tuple(Programme.values)]
EntryKind = Literal[tuple(TimelineEntry.Kind.values)]


class PageQuery(Schema):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(25, ge=1, le=100)
    offset: int = Field(0, ge=0, le=OFFSET_MAX)


class TimelineQuery(PageQuery):
    limit: int = Field(50, ge=1, le=100)
    programme: ProgrammeValue | None = Field(None, description="Filtrer sur un dispositif.")
    kind: EntryKind | None = Field(None, description="Filtrer sur un type d'événement.")


class PersonOut(Schema):
    """A professional, by name only."""

    id: int
    name: str

    @staticmethod
    def resolve_name(obj) -> str:
        return str(obj)


class TeamOut(Schema):
    id: int
    code: str
    name: str


class CitizenRefOut(Schema):
    id: int
    birth_name: str
    usage_name: str
    first_names: str


class CitizenIdentityOut(CitizenRefOut):
    birth_date: datetime.date | None
    sex: str
    status: str


class AccompanimentOut(Schema):
    id: int
    programme: str
    team: TeamOut
    referent: PersonOut | None
    start_date: datetime.date
    end_date: datetime.date | None
    status: str
    closing_reason: str


class MemberOut(Schema):
    id: int
    user: PersonOut
    role: str
    start_date: datetime.date
    end_date: datetime.date | None
    may_see_personal_details: bool


class FileSummaryOut(Schema):
    id: int
    citizen: CitizenRefOut
    open_accompaniments: list[AccompanimentOut] = Field(..., description="Accompagnements en cours.")


class FilePageOut(Schema):
    items: list[FileSummaryOut]
    limit: int
    offset: int
    has_more: bool


class FileOut(Schema):
    id: int
    created_at: datetime.datetime
    territory_id: int | None
    citizen: CitizenIdentityOut
    accompaniments: list[AccompanimentOut] = Field(..., description="Tous les accompagnements, en cours et clos.")
    members: list[MemberOut] = Field(..., description="Intervenants, en cours et passés.")


class TimelineEntryOut(Schema):
    id: int
    occurred_at: datetime.datetime
    kind: str
    title: str
    programme: str
    visibility: str
    team: TeamOut | None
    author: PersonOut | None
    source_type: str
    source_id: str


class TimelinePageOut(Schema):
    items: list[TimelineEntryOut]
    limit: int
    offset: int
    has_more: bool


class NoteOut(Schema):
    id: int
    kind: str
    visibility: str
    text: str
    created_at: datetime.datetime
    author: PersonOut
    accompaniment_id: int | None
    team_id: int | None


class DocumentOut(Schema):
    id: int
    doc_type: str
    tags: list[str]
    confidential: bool
    original_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime.datetime
    uploaded_by: PersonOut
    accompaniment_id: int | None

    @staticmethod
    def resolve_tags(obj) -> list[str]:
        return obj.tag_list
