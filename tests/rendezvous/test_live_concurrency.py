"""Through a live server and a real HTTP client, as a partner's tool would: concurrent HTTP requests for one slot
(one wins, the others get the French 409 and nothing of theirs is written, not even the person), and the
Département's agenda receiving the signed webhooks of the appointment's creation, move and cancellation — the
signature recomputed here by hand, as a receiver in another language would, not with our own helper."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from grc.models import Citizen
from rendezvous import services
from rendezvous.models import Participant, Rendezvous, WebhookDelivery, WebhookEndpoint
from tests.rendezvous.test_api import PREFIX, client, place, token  # noqa: F401 — the fixture
from tests.rendezvous.test_api import live as live_db
from tests.rendezvous.test_webhooks import SECRET, Receiver

REQUESTS = 12


def _signed_by_hand(request) -> bool:
    headers, body = request["headers"], request["body"]
    expected = hmac.new(SECRET.encode(), headers["X-GRC-Timestamp"].encode() + b"." + body, hashlib.sha256)
    scheme, _, given = headers["X-GRC-Signature"].partition("=")
    fresh = abs(time.time() - int(headers["X-GRC-Timestamp"])) < 300
    return scheme == "sha256" and hmac.compare_digest(expected.hexdigest(), given) and fresh


@live_db
def test_concurrent_http_bookings_of_one_slot_then_signed_webhooks_on_create_move_and_cancel(live_server, place):  # noqa: F811
    receiver = Receiver()
    endpoint = WebhookEndpoint.objects.create(name="Agenda du Département", url=receiver.url + "/rdv", secret=SECRET)
    endpoint.teams.add(place["team"])
    people_before = Citizen.objects.count()
    raw = token("plateforme-emploi@example.org")
    barrier = threading.Barrier(REQUESTS)
    try:
        with client(live_server.url, raw) as api:
            slots = api.get("/rendezvous/slots", params={"motif_id": place["partners"].pk}).json()["slots"]
            first, later = slots[0], slots[3]

            def book(n: int) -> httpx.Response:
                person = {"birth_name": f"Concurrent{n}", "first_names": "Yann", "birth_date": f"19{50 + n}-01-15"}
                body = {"motif_id": place["partners"].pk, "starts_at": first["starts_at"],
                        "lieu_id": first["lieu_id"], "person": person}  # fmt: skip
                barrier.wait()
                return api.post("/rendezvous", json=body)

            with ThreadPoolExecutor(max_workers=REQUESTS) as pool:
                answers = list(pool.map(book, range(REQUESTS)))
            statuses = sorted(answer.status_code for answer in answers)
            assert statuses == [201] + [409] * (REQUESTS - 1), [a.text for a in answers]
            refusals = [a.json()["detail"] for a in answers if a.status_code == 409]
            assert all(detail.startswith("Ce créneau vient d'être pris.") for detail in refusals)
            won = next(a.json() for a in answers if a.status_code == 201)

            # Nothing of the losers was written: one appointment, one participant, one new person.
            assert (Rendezvous.objects.count(), Participant.objects.count()) == (1, 1)
            assert Citizen.objects.count() == people_before + 1

            # An agent moves it (back office service), then the partner cancels it over HTTP.
            rendezvous = Rendezvous.objects.get(pk=won["id"])
            services.rdv_move(
                rendezvous=rendezvous,
                starts_at=datetime.datetime.fromisoformat(later["starts_at"]),
                actor=place["agent"],
            )
            cancelled = api.post(f"/rendezvous/{won['id']}/cancel", json={"reason": "Empêchement"})
            assert cancelled.status_code == 200, cancelled.text
    finally:
        receiver.close()

    events = [(json.loads(r["body"])["event"], json.loads(r["body"])["rendezvous"]["id"]) for r in receiver.requests]
    assert events == [
        ("rendezvous.created", won["id"]),
        ("rendezvous.changed", won["id"]),
        ("rendezvous.cancelled", won["id"]),
    ]
    assert all(_signed_by_hand(request) for request in receiver.requests)
    moved = json.loads(receiver.requests[1]["body"])["rendezvous"]
    assert datetime.datetime.fromisoformat(moved["starts_at"]) == datetime.datetime.fromisoformat(later["starts_at"])
    assert not any(b"Concurrent" in r["body"] for r in receiver.requests)  # no person's identity in a webhook
    assert list(WebhookDelivery.objects.order_by("pk").values_list("event", "status_code")) == [
        ("rendezvous.created", 200),
        ("rendezvous.changed", 200),
        ("rendezvous.cancelled", 200),
    ]
