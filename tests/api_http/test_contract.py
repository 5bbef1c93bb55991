"""Every API operation, through a live server and a real HTTP client, once with a bearer token and once as a
logged-in staff browser session (CSRF token from its cookie). ``CONTRACT`` lists the operations walked; a
test fails when the schema has an operation that is not in it, so a new endpoint must be added here.
"""

from __future__ import annotations

import io

import httpx
import pytest
from django.core.management import call_command

from config.api import api
from grc.models import Citizen
from mail.models import MailItem
from tests.annuaire import api_contract as annuaire_contract
from tests.api_http.conftest import (
    FLUSHABLE_APPS,
    api_token,
    browser_session,
    send,
    staff_person,
    token_client,
)
from tests.dossier_unique.factories import PDF_BYTES
from tests.mail import letters
from tests.mednum import api_contract as lieux_contract
from tests.rendezvous import api_contract
from tests.travail import api_contract as travail_contract

PREFIX = "/api/v1"

# (method, path as the schema writes it): every operation of the API.
CONTRACT = {
    ("GET", "/citizens"),
    ("POST", "/citizens"),
    ("POST", "/citizens/match"),
    ("GET", "/citizens/{citizen_id}"),
    ("PATCH", "/citizens/{citizen_id}"),
    ("POST", "/citizens/{citizen_id}/merge"),
    ("POST", "/merges/{merge_id}/undo"),
    ("GET", "/files"),
    ("GET", "/files/{file_id}"),
    ("GET", "/files/{file_id}/timeline"),
    ("GET", "/files/{file_id}/notes"),
    ("GET", "/files/{file_id}/documents"),
    ("GET", "/documents/{document_id}/content"),
    ("GET", "/requests/{tracking_code}"),
    ("GET", "/teams/{team_id}/requests"),
    ("POST", "/mail"),
    ("GET", "/mail/{item_id}"),
    ("GET", "/search"),
    *api_contract.OPERATIONS,
    *travail_contract.OPERATIONS,
}
# Open data: public by design (Licence Ouverte), the one operation an anonymous caller may use.
PUBLIC = {("GET", "/opendata/indicators")}
PUBLIC |= annuaire_contract.OPERATIONS  # the annuaire social: open data (Licence Ouverte)
PUBLIC |= lieux_contract.OPERATIONS  # the map data (lieux, boundaries): open data too
CONTRACT |= PUBLIC

live = pytest.mark.django_db(transaction=True, available_apps=FLUSHABLE_APPS)


def schema_operations() -> set[tuple[str, str]]:
    paths = api.get_openapi_schema()["paths"]
    return {(method.upper(), path.removeprefix(PREFIX)) for path, methods in paths.items() for method in methods}


def test_every_operation_in_the_schema_is_in_the_contract():
    missing = schema_operations() - CONTRACT
    assert not missing, f"operations with no HTTP contract test (add them to CONTRACT and the walk): {missing}"
    assert not CONTRACT - schema_operations(), "CONTRACT names operations the API no longer has"


class Walk:
    """Calls operations in order, checks each status, and remembers which operations it reached."""

    def __init__(self, client: httpx.Client):
        self.client = client
        self.covered: set[tuple[str, str]] = set()
        self.requests = 0

    def __call__(self, method, template, expected, *, params=None, json=None, files=None, **path_params):
        assert (method, template) in CONTRACT, (method, template)
        self.covered.add((method, template))
        self.requests += 1
        url = PREFIX + template.format(**path_params)
        response = send(self.client, method, url, params=params, json=json, files=files)
        assert response.status_code == expected, f"{method} {url}: {response.status_code} {response.text[:500]}"
        return response


def walk_every_operation(client: httpx.Client, world) -> Walk:
    """Each operation once, with answers a partner system relies on; writes build on each other."""
    call = Walk(client)
    citizen, file = world.citizen, world.file

    found = call("GET", "/citizens", 200, params={"q": "Le Goff"}).json()
    assert citizen.pk in [hit["id"] for hit in found]

    first = call(
        "POST",
        "/citizens",
        201,
        json={"birth_name": "Kerhervé", "first_names": "Maëlle", "birth_date": "1991-05-14", "sex": "F"},
    ).json()
    second = call(
        "POST",
        "/citizens",
        201,
        json={"birth_name": "Kerherve", "first_names": "Maelle", "birth_date": "1991-05-14", "sex": "F"},
    ).json()
    assert first["id"] in [candidate["id"] for candidate in second["duplicates"]]

    match = call("POST", "/citizens/match", 200, json={"birth_name": "KERHERVE", "first_names": "maelle"}).json()
    assert {first["id"], second["id"]} <= {candidate["id"] for candidate in match["candidates"]}

    read = call("GET", "/citizens/{citizen_id}", 200, citizen_id=citizen.pk).json()
    assert (read["birth_name"], read["first_names"]) == ("Le Goff", "Jean-Pierre")

    updated = call(
        "PATCH",
        "/citizens/{citizen_id}",
        200,
        citizen_id=first["id"],
        json={"usage_name": "Le Bihan", "reason": "Mariage (acte reçu)"},
    ).json()
    assert updated["usage_name"] == "Le Bihan"

    merge = call(
        "POST",
        "/citizens/{citizen_id}/merge",
        201,
        citizen_id=second["id"],
        json={"target_id": first["id"], "reason": "Même personne, saisie sans accents"},
    ).json()
    assert Citizen.objects.get(pk=second["id"]).merged_into_id == first["id"]
    undone = call("POST", "/merges/{merge_id}/undo", 200, merge_id=merge["id"], json={"reason": "Fusion à tort"})
    assert undone.json()["undone_at"] is not None
    assert Citizen.objects.get(pk=second["id"]).merged_into_id is None

    files = call("GET", "/files", 200).json()
    assert [item["id"] for item in files["items"]] == [file.pk]
    assert call("GET", "/files/{file_id}", 200, file_id=file.pk).json()["citizen"]["id"] == citizen.pk
    timeline = call("GET", "/files/{file_id}/timeline", 200, file_id=file.pk).json()
    assert timeline["items"]
    notes = call("GET", "/files/{file_id}/notes", 200, file_id=file.pk).json()
    assert [note["id"] for note in notes] == [world.note.pk]
    documents = call("GET", "/files/{file_id}/documents", 200, file_id=file.pk).json()
    assert [document["id"] for document in documents] == [world.document.pk]
    content = call("GET", "/documents/{document_id}/content", 200, document_id=world.document.pk)
    assert content.content == PDF_BYTES
    assert "attachment" in content.headers["content-disposition"]

    code = world.request.tracking_code
    assert call("GET", "/requests/{tracking_code}", 200, tracking_code=code).json()["status"] == "submitted"
    queue = call("GET", "/teams/{team_id}/requests", 200, team_id=world.team.pk).json()
    assert code in [item["tracking_code"] for item in queue["items"]]

    scan = letters.png_bytes(letters.make_letter(seed=7), dpi=100)
    batch = call("POST", "/mail", 201, files=[("files", ("courrier.png", scan, "image/png"))]).json()
    assert (batch["received"], batch["refused"]) == (1, 0)
    item_id = batch["results"][0]["id"]
    item = call("GET", "/mail/{item_id}", 200, item_id=item_id).json()
    assert item["registration_number"] == batch["results"][0]["registration_number"]

    hits = call("GET", "/search", 200, params={"q": "Le Goff"}).json()
    assert ("citizen", citizen.pk) in {(hit["type"], hit["id"]) for hit in hits["results"]}
    for walk_part in (api_contract.walk_appointments, annuaire_contract.walk_annuaire,
                      lieux_contract.walk_open_data, travail_contract.walk_travail):  # fmt: skip
        walk_part(call, world)
    return call


@live
def test_every_operation_works_with_a_bearer_token(live_server, world):
    with token_client(live_server.url, api_token(world)) as client:
        walk = walk_every_operation(client, world)
    assert walk.covered == CONTRACT


@live
def test_every_operation_works_for_a_staff_browser_session(live_server, world):
    with browser_session(live_server.url, staff_person(world)) as client:
        walk = walk_every_operation(client, world)
    assert walk.covered == CONTRACT


@live
def test_a_session_write_without_the_csrf_token_is_refused(live_server, world):
    with browser_session(live_server.url, staff_person(world)) as client:
        url = f"{PREFIX}/citizens/{world.citizen.pk}"
        refused = client.patch(url, json={"usage_name": "Forgé"})
        assert refused.status_code == 403
        assert "CSRF" in refused.json()["detail"]
        created = client.post(f"{PREFIX}/citizens", json={"birth_name": "Forgé", "first_names": "Jean"})
        assert created.status_code == 403
        forged = client.patch(url, json={"usage_name": "Forgé"}, headers={"X-CSRFToken": "x" * 32})
        assert forged.status_code == 403
        # Reads need no CSRF token; the same write with it goes through.
        assert client.get(url).status_code == 200
        assert send(client, "PATCH", url, json={"usage_name": "Martin"}).status_code == 200
    world.citizen.refresh_from_db()
    assert world.citizen.usage_name == "Martin"
    assert not Citizen.objects.filter(birth_name="Forgé").exists()


@live
def test_a_revoked_token_is_refused(live_server, world):
    token = api_token(world)
    with token_client(live_server.url, token) as client:
        url = f"{PREFIX}/citizens/{world.citizen.pk}"
        assert client.get(url).status_code == 200
        call_command("revoke_api_token", token[:12], stdout=io.StringIO())
        refused = client.get(url)
        assert refused.status_code == 401
        assert "Authentification requise" in refused.json()["detail"]
        assert (
            client.post(f"{PREFIX}/citizens", json={"birth_name": "Après", "first_names": "Révocation"}).status_code
            == 401
        )
    assert not Citizen.objects.filter(birth_name="Après").exists()


@live
def test_a_bad_token_is_not_rescued_by_a_session(live_server, world):
    """With an Authorization header the token alone decides, even if the browser is logged in."""
    with browser_session(live_server.url, staff_person(world)) as client:
        url = f"{PREFIX}/citizens/{world.citizen.pk}"
        assert client.get(url, headers={"Authorization": "Bearer grc_inconnu"}).status_code == 401


@live
def test_every_operation_refuses_the_anonymous(live_server, world):
    with httpx.Client(base_url=live_server.url, timeout=60) as client:
        for method, template in sorted(CONTRACT):
            url = PREFIX + template.format(
                citizen_id=world.citizen.pk,
                merge_id=1,
                file_id=world.file.pk,
                document_id=world.document.pk,
                tracking_code=world.request.tracking_code,
                team_id=world.team.pk,
                item_id=1,
                rendezvous_id=1,
            )
            response = client.request(method, url, json={} if method != "GET" else None)
            if (method, template) in PUBLIC:
                assert response.status_code == 200, (method, url, response.status_code)
                continue
            assert response.status_code == 401, (method, url, response.status_code)
            assert "Authentification requise" in response.json()["detail"]


@live
def test_unstorable_input_is_a_french_422_not_a_500(live_server, world):
    with token_client(live_server.url, api_token(world)) as client:
        nul = client.post(f"{PREFIX}/citizens", json={"birth_name": "Le\x00Goff", "first_names": "Anne"})
        assert nul.status_code == 422
        assert nul.json()["detail"][0]["loc"] == ["body", "birth_name"]
        assert "caractère nul" in nul.json()["detail"][0]["msg"]
        surrogate = client.post(f"{PREFIX}/citizens/match", content=b'{"birth_name": "Le Go\\ud800ff"}')
        assert surrogate.status_code == 422
        huge = client.post(
            f"{PREFIX}/citizens/{world.citizen.pk}/merge", json={"target_id": 2**64, "reason": "Doublon"}
        )
        assert huge.status_code == 422
        assert huge.json()["detail"][0]["loc"] == ["body", "target_id"]
        assert client.get(f"{PREFIX}/citizens/{2**63}").status_code == 422
        assert client.get(f"{PREFIX}/files", params={"offset": 10**20}).status_code == 422
    assert not Citizen.objects.filter(first_names="Anne").exists()


@live
def test_a_station_sending_an_empty_file_then_a_letter_gets_the_letters_number(live_server, world):
    """A scanning station over real HTTP: a refused file must not hide the number of the one registered (it
    answered 500 after registering the letter, so the station retried and made a duplicate)."""
    scan = letters.png_bytes(letters.make_letter(seed=11), dpi=100)
    files = [("files", ("vide.pdf", b"", "application/pdf")), ("files", ("courrier.png", scan, "image/png"))]
    with token_client(live_server.url, api_token(world)) as client:
        response = send(client, "POST", f"{PREFIX}/mail", files=files)
        again = send(client, "POST", f"{PREFIX}/mail", files=files[1:])
    assert response.status_code == 201
    body = response.json()
    assert (body["received"], body["refused"]) == (1, 1)
    refused, registered = body["results"]
    assert refused["id"] is None and refused["error"] == "Le fichier est vide."
    assert registered["registration_number"] == MailItem.objects.get(pk=registered["id"]).registration_number
    # The same letter sent again is recognised as already registered, not filed twice.
    assert again.json()["results"][0]["duplicate"] is True
    assert MailItem.objects.count() == 1


@live
def test_an_unknown_api_path_is_a_json_404(live_server, world):
    with token_client(live_server.url, api_token(world)) as client:
        for method, path in (("GET", "/citizens/abc"), ("POST", "/nulle-part"), ("GET", "/../v2/citizens")):
            response = send(client, method, f"{PREFIX}{path}")
            assert response.status_code == 404, path
            assert response.json() == {"detail": "Introuvable."}
