"""The tasks and notifications part of the API contract walk (tests/api_http/test_contract.py): each operation
once, with a token and with a staff browser session, as the walk's caller (a manager of the request's team)."""

from __future__ import annotations

import datetime

from django.utils import timezone

OPERATIONS = {
    ("GET", "/tasks"),
    ("POST", "/tasks"),
    ("GET", "/notifications"),
}


def walk_travail(call, world) -> None:
    """A task on the world's request for the caller, read back in their own list; their notifications."""
    due = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    created = call(
        "POST",
        "/tasks",
        201,
        json={"title": "Vérifier les pièces", "due_date": due, "request_code": world.request.tracking_code},
    ).json()
    assert created["request_code"] == world.request.tracking_code and created["done_at"] is None
    mine = call("GET", "/tasks", 200, params={"scope": "moi"}).json()
    assert created["id"] in [task["id"] for task in mine["items"]]
    notes = call("GET", "/notifications", 200).json()
    assert notes["unread_count"] == len([n for n in notes["items"] if n["read_at"] is None])
