"""The partners' appointment API through a live server and a real HTTP client (httpx), with tokens made by
``manage.py create_api_token``: a partner's service account (no team) and a team's service account (agent)."""

from __future__ import annotations

import datetime
import io

import httpx
import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from grc.audit.models import AccessLog
from grc.models import Citizen, Membership
from rendezvous.models import Motif, Participant, Rendezvous
from tests.api_http.conftest import FLUSHABLE_APPS
from tests.factories import CitizenFactory, MembershipFactory, TeamFactory, UserFactory
from tests.rendezvous.factories import LieuFactory, MotifFactory, PlageFactory

live = pytest.mark.django_db(transaction=True, available_apps=FLUSHABLE_APPS)
PREFIX = "/api/v1"
PERSON = {"birth_name": "Le Goff", "first_names": "Maëlle", "birth_date": "1988-04-02"}


def token(email, *, team=None, role=None) -> str:
    out = io.StringIO()
    options = {"team": team.code, "role": role} if team else {}
    call_command("create_api_token", email=email, name="Partenaire", stdout=out, **options)
    return out.getvalue().strip().splitlines()[-1]


@pytest.fixture
def place():
    """A team with three motifs (open to partners, citizens only, sensitive) offered every day 9h-17h."""
    team = TeamFactory(name="Insertion — CDAS Redon", code="insertion-redon")
    agent = MembershipFactory(team=team).user
    lieu = LieuFactory(name="CDAS de Redon")
    partners = MotifFactory(
        team=team, name="Atelier CV", bookable_by=Motif.BookableBy.PARTENAIRES, min_booking_delay_minutes=60
    )
    citizens = MotifFactory(team=team, name="Premier accueil", bookable_by=Motif.BookableBy.CITOYENS)
    sensitive = MotifFactory(
        team=team, name="Entretien ASE", bookable_by=Motif.BookableBy.TOUS, visibility=Motif.Visibility.MASQUE
    )
    PlageFactory(
        agent=agent,
        lieu=lieu,
        first_day=timezone.localdate(),
        weekdays=[0, 1, 2, 3, 4, 5, 6],
        start_time=datetime.time(9),
        end_time=datetime.time(17),
        motifs=[partners, citizens, sensitive],
    )
    return {"team": team, "agent": agent, "lieu": lieu, "partners": partners, "citizens": citizens,
            "sensitive": sensitive}  # fmt: skip


def client(base_url, raw) -> httpx.Client:
    return httpx.Client(base_url=base_url + PREFIX, headers={"Authorization": f"Bearer {raw}"}, timeout=60)


def first_slot(api, motif) -> dict:
    answer = api.get("/rendezvous/slots", params={"motif_id": motif.pk})
    assert answer.status_code == 200, answer.text
    return answer.json()["slots"][0]


@live
def test_a_partner_books_and_cancels_a_motif_open_to_partners(live_server, place):
    with client(live_server.url, token("france-travail@example.org")) as api:
        found = api.get("/rendezvous/slots", params={"motif_id": place["partners"].pk}).json()
        # Eight weeks of 30-minute slots, 9h-17h every day: more than one answer holds; the first 500 come.
        assert found["duration_minutes"] == 30 and found["truncated"] is True and len(found["slots"]) == 500
        assert [lieu["name"] for lieu in found["lieux"]] == ["CDAS de Redon"]
        slot = found["slots"][0]
        booked = api.post(
            "/rendezvous",
            json={
                "motif_id": place["partners"].pk,
                "starts_at": slot["starts_at"],
                "lieu_id": slot["lieu_id"],
                "person": PERSON,
                "email": "maelle@example.org",
                "phone": "06 12 34 56 78",
                "notify_sms": True,
            },
        )
        assert booked.status_code == 201, booked.text
        body = booked.json()
        assert body["channel"] == "partenaire" and body["status"] == "active"
        assert "Le Goff" not in booked.text  # nothing of the person comes back

        # The slot is no longer offered; booking it for someone else is the French 409.
        again = api.post(
            "/rendezvous",
            json={
                "motif_id": place["partners"].pk,
                "starts_at": slot["starts_at"],
                "lieu_id": slot["lieu_id"],
                "person": {**PERSON, "first_names": "Erwan", "birth_date": "1990-02-11"},
            },
        )
        assert again.status_code == 409
        assert again.json()["detail"].startswith("Ce créneau vient d'être pris.")
        assert slot["starts_at"] not in [s["starts_at"] for s in first_slot_list(api, place["partners"])]

        cancelled = api.post(f"/rendezvous/{body['id']}/cancel", json={"reason": "Empêchement"})
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "annule"

    participant = Participant.objects.select_related("citizen", "rendezvous").get(pk=body["participant_id"])
    assert (participant.citizen.birth_name, participant.phone) == ("Le Goff", "+33612345678")
    assert participant.rendezvous.status == Rendezvous.Status.ANNULE
    subjects = [message.subject for message in mail.outbox]
    assert any(s.endswith("est confirmé") for s in subjects) and any(s.endswith("est annulé") for s in subjects)


def first_slot_list(api, motif) -> list[dict]:
    return api.get("/rendezvous/slots", params={"motif_id": motif.pk}).json()["slots"]


@live
def test_a_known_person_is_not_created_twice(live_server, place):
    known = CitizenFactory(birth_name="Le Goff", first_names="Maëlle", birth_date=datetime.date(1988, 4, 2))
    with client(live_server.url, token("mission-locale@example.org")) as api:
        slot = first_slot(api, place["partners"])
        booked = api.post(
            "/rendezvous",
            json={
                "motif_id": place["partners"].pk,
                "starts_at": slot["starts_at"],
                "lieu_id": slot["lieu_id"],
                "person": PERSON,
            },
        )
    assert booked.status_code == 201, booked.text
    assert Participant.objects.get(pk=booked.json()["participant_id"]).citizen_id == known.pk
    assert Citizen.objects.filter(birth_name="Le Goff").count() == 1
    assert AccessLog.objects.filter(citizen=known.pk, action=AccessLog.Action.CITIZEN_MATCH).count() == 1


@live
def test_a_partner_cannot_see_motifs_closed_to_partners_nor_sensitive_ones(live_server, place):
    with client(live_server.url, token("association@example.org")) as api:
        for motif in (place["citizens"], place["sensitive"]):
            refused = api.get("/rendezvous/slots", params={"motif_id": motif.pk})
            assert refused.status_code == 404 and refused.json() == {"detail": "Introuvable."}
            start = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=2)).isoformat()
            write = api.post("/rendezvous", json={"motif_id": motif.pk, "starts_at": start, "person": PERSON})
            assert write.status_code == 404
    assert not Rendezvous.objects.exists()


@live
def test_a_refused_booking_writes_nothing_not_even_the_person(live_server, place):
    too_soon = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=5)).isoformat()
    far = "2099-01-01T10:00:00+01:00"
    with client(live_server.url, token("caf@example.org")) as api:
        where = {"motif_id": place["partners"].pk, "lieu_id": place["lieu"].pk, "person": PERSON}
        soon = api.post("/rendezvous", json={**where, "starts_at": too_soon})
        beyond = api.post("/rendezvous", json={**where, "starts_at": far})
        nowhere = api.post("/rendezvous", json={**where, "lieu_id": None, "starts_at": too_soon})
        by_id = api.post(
            "/rendezvous",
            json={**where, "person": None, "starts_at": too_soon, "citizen_id": CitizenFactory().pk},
        )
        bad_phone = api.post(
            "/rendezvous",
            json={
                **where,
                "starts_at": first_slot(api, place["partners"])["starts_at"],
                "phone": "02 99 02 35 35",
            },
        )
    assert soon.status_code == 422 and "trop proche" in soon.json()["detail"][0]["msg"]
    assert beyond.status_code == 422 and beyond.json()["detail"][0]["loc"] == ["body", "starts_at"]
    assert nowhere.status_code == 422 and nowhere.json()["detail"][0]["loc"] == ["body", "lieu_id"]
    assert by_id.status_code == 422 and by_id.json()["detail"][0]["loc"] == ["body", "citizen_id"]
    assert bad_phone.status_code == 422 and "portable" in bad_phone.json()["detail"][0]["msg"]
    assert not Rendezvous.objects.exists()
    assert not Citizen.objects.filter(birth_name="Le Goff").exists()


@live
def test_an_agent_token_books_any_motif_of_its_team_for_a_known_citizen(live_server, place):
    citizen = CitizenFactory(birth_name="Rolland")
    raw = token("agenda-redon@example.org", team=place["team"], role=Membership.Role.TEAM_MANAGER)
    with client(live_server.url, raw) as api:
        slot = first_slot(api, place["sensitive"])
        booked = api.post(
            "/rendezvous",
            json={
                "motif_id": place["sensitive"].pk,
                "starts_at": slot["starts_at"],
                "lieu_id": slot["lieu_id"],
                "citizen_id": citizen.pk,
            },
        )
        assert booked.status_code == 201, booked.text
        assert booked.json()["channel"] == "agent"
        # A partner's token may not cancel an appointment it did not book.
        with client(live_server.url, token("autre-partenaire@example.org")) as other:
            assert other.post(f"/rendezvous/{booked.json()['id']}/cancel", json={}).status_code == 404
        assert api.post(f"/rendezvous/{booked.json()['id']}/cancel", json={}).status_code == 200
        twice = api.post(f"/rendezvous/{booked.json()['id']}/cancel", json={})
        assert twice.status_code == 422 and twice.json()["detail"][0]["msg"] == "Ce rendez-vous est déjà annulé."
    service_account = Membership.objects.get(team=place["team"], role=Membership.Role.TEAM_MANAGER).user
    assert AccessLog.objects.filter(citizen=citizen.pk, actor=service_account, action="citizen.view").exists()


@live
def test_a_staff_member_of_another_team_gets_404_for_the_team_s_motifs(live_server, place):
    outsider = token("autre-equipe@example.org", team=TeamFactory(), role=Membership.Role.TEAM_MANAGER)
    with client(live_server.url, outsider) as api:
        assert api.get("/rendezvous/slots", params={"motif_id": place["sensitive"].pk}).status_code == 404


@live
def test_bad_input_is_a_french_422_never_a_500(live_server, place):
    # Always ahead, so the error is the one each request is about, not « in the past » (a fixed 2027 date would be).
    ahead = f"{timezone.localdate().year + 1}-01-04T10:00:00+01:00"
    with client(live_server.url, token("fuzz@example.org")) as api:
        huge = api.get("/rendezvous/slots", params={"motif_id": 2**64})
        year_one = api.get(
            "/rendezvous/slots", params={"motif_id": place["partners"].pk, "start": "0001-01-01T00:00:00+14:00"}
        )
        missing = api.post("/rendezvous", json={"motif_id": place["partners"].pk})
        nul = api.post(
            "/rendezvous",
            json={"motif_id": place["partners"].pk, "starts_at": ahead,
                  "person": {**PERSON, "birth_name": "Le\x00Goff"}},
        )  # fmt: skip
        nobody = api.post(
            "/rendezvous",
            json={
                "motif_id": place["partners"].pk,
                "lieu_id": place["lieu"].pk,
                "starts_at": ahead,
            },
        )
    assert huge.status_code == 422
    assert year_one.status_code == 422 and year_one.json()["detail"][0]["loc"] == ["body", "start"]
    assert missing.status_code == 422 and missing.json()["detail"][0]["msg"] == "Ce champ est obligatoire."
    assert nul.status_code == 422 and "caractère nul" in nul.json()["detail"][0]["msg"]
    assert nobody.status_code == 422 and nobody.json()["detail"][0]["loc"] == ["body", "person"]
    assert not Rendezvous.objects.exists()


@live
def test_the_anonymous_get_401(live_server, place):
    with httpx.Client(base_url=live_server.url + PREFIX, timeout=60) as api:
        assert api.get("/rendezvous/slots", params={"motif_id": place["partners"].pk}).status_code == 401
        assert api.post("/rendezvous", json={}).status_code == 401
        assert api.post("/rendezvous/1/cancel", json={}).status_code == 401


@pytest.mark.django_db
def test_free_slots_take_a_bounded_number_of_queries(client, place, django_assert_max_num_queries):
    raw = token("compteur@example.org")
    for _ in range(5):
        PlageFactory(
            agent=UserFactory(staff=True),
            lieu=LieuFactory(),
            first_day=timezone.localdate(),
            weekdays=[0, 1, 2, 3, 4],
            motifs=[place["partners"]],
        )
    with django_assert_max_num_queries(12):
        answer = client.get(
            f"{PREFIX}/rendezvous/slots",
            {"motif_id": place["partners"].pk},
            HTTP_AUTHORIZATION=f"Bearer {raw}",
        )
    assert answer.status_code == 200 and len(answer.json()["lieux"]) == 6
