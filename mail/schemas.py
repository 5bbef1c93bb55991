"""Shapes of the mail API (``/api/v1/mail``)."""

from __future__ import annotations

import datetime

from ninja import Schema


class MailReceivedOut(Schema):
    """One posted file: the item (new, or the first one if the same scan was already received) or an error."""

    file: str
    id: int | None = None
    registration_number: str | None = None
    status: str | None = None
    duplicate: bool = False
    error: str | None = None
    code: str | None = None


class MailBatchOut(Schema):
    batch_id: int
    received: int
    refused: int
    results: list[MailReceivedOut]


class MailPageOut(Schema):
    number: int
    confidence: float | None


class MailItemOut(Schema):
    id: int
    registration_number: str
    status: str
    status_label: str
    received_at: datetime.datetime
    original_name: str
    content_type: str
    size: int
    page_count: int
    failure_reason: str
    ocr_text: str
    ocr_confidence: float | None
    recognised_at: datetime.datetime | None
    pages: list[MailPageOut]
    suggestions: dict
    duplicate_uploads: int
