"""The tasks and notifications part of the API contract walk (tests/api_http/test_contract.py): each operation
once, with a token and with a staff browser session, as the walk's caller (a manager of the request's team)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from grc.models import Membership
from tests.factories import MembershipFactory
from travail.letters_services import outgoing_letter_create

OPERATIONS = {
    ("GET", "/tasks"),
    ("POST", "/tasks"),
    ("GET", "/notifications"),
    ("GET", "/outgoing-letters"),
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
    # The outgoing register of the caller's team: a colleague's letter about the file the team follows.
    writer = MembershipFactory(team=world.team, role=Membership.Role.SOCIAL_WORKER).user
    letter = outgoing_letter_create(actor=writer, team=world.team, subject="Convocation", body="x", file=world.file)
    register = call("GET", "/outgoing-letters", 200, params={"team_id": world.team.pk}).json()
    assert [(row["reference"], row["file_id"]) for row in register["items"]] == [(letter.reference, world.file.pk)]
