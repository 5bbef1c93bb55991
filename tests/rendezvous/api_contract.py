"""The appointment operations' part of the API contract walk (tests/api_http/test_contract.py): each operation
once, with a token and with a staff browser session, as a team agent (the walk's callers are team managers)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from tests.rendezvous.factories import LieuFactory, MotifFactory, PlageFactory

OPERATIONS = {
    ("GET", "/rendezvous/slots"),
    ("POST", "/rendezvous"),
    ("POST", "/rendezvous/{rendezvous_id}/cancel"),
}


def walk_appointments(call, world) -> None:
    """Free slots of a motif of the walk's team, a booking for the world's citizen, its cancellation."""
    motif = MotifFactory(team=world.team, name="Consultation de puériculture")
    PlageFactory(
        lieu=LieuFactory(name="CDAS de Vitré"),
        first_day=timezone.localdate(),
        weekdays=[0, 1, 2, 3, 4, 5, 6],
        start_time=datetime.time(8),
        end_time=datetime.time(18),
        motifs=[motif],
    )
    slots = call("GET", "/rendezvous/slots", 200, params={"motif_id": motif.pk}).json()
    slot = slots["slots"][0]
    booked = call(
        "POST",
        "/rendezvous",
        201,
        json={
            "motif_id": motif.pk,
            "starts_at": slot["starts_at"],
            "lieu_id": slot["lieu_id"],
            "citizen_id": world.citizen.pk,
        },
    ).json()
    moment = datetime.datetime.fromisoformat
    assert moment(booked["starts_at"]) == moment(slot["starts_at"])
    cancelled = call("POST", "/rendezvous/{rendezvous_id}/cancel", 200, rendezvous_id=booked["id"], json={}).json()
    assert cancelled["status"] == "annule"
