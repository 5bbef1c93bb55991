import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Max
from django.test import Client

from grc import nir
from grc.audit.models import AccessLog
from grc.models import ApiToken, Citizen, CitizenMerge, ContactPoint, HouseholdMembership, Membership, User
from grc.services.citizens import citizen_create
from tests.factories import AddressFactory, CitizenFactory, MembershipFactory, UserFactory, verify_otp

pytestmark = pytest.mark.django_db

JSON = "application/json"


def make_nir(first13: str) -> str:
    return f"{first13}{nir.key(first13):02d}"


def issue_token(email="scanner@example.org", name="Scanner courrier", **options) -> str:
    """Run the real management command and return the raw token it printed."""
    out = io.StringIO()
    call_command("create_api_token", email=email, name=name, stdout=out, **options)
    return out.getvalue().strip().splitlines()[-1]


def session_client(role):
    user = MembershipFactory(role=role).user
    return verify_otp(Client(), user), user


@pytest.fixture
def team():
    return MembershipFactory().team


@pytest.fixture
def token(team):
    return issue_token(team=team.code, role=Membership.Role.INSTRUCTOR)


@pytest.fixture
def bearer(client, token):
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


@pytest.fixture
def manager_client():
    return session_client(Membership.Role.TEAM_MANAGER)


@pytest.fixture
def citizen():
    citizen = CitizenFactory(birth_name="Le Goff", first_names="Anne", birth_date=datetime.date(1980, 3, 2))
    AddressFactory(citizen=citizen, end_date=datetime.date(2020, 1, 1), line1="1 rue Ancienne")
    AddressFactory(citizen=citizen, line1="2 rue Actuelle")
    ContactPoint.objects.create(citizen=citizen, kind="email", value="anne@example.org", is_primary=True)
    return citizen


_LOG_START = {"seq": 0}


@pytest.fixture(autouse=True)
def _access_log_start(request):
    """The access log is append-only: rows a live-server test committed earlier in a reused test database stay.
    Each test reads only the rows written after it started."""
    if "db" in request.fixturenames or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db")
        _LOG_START["seq"] = AccessLog.objects.aggregate(m=Max("seq"))["m"] or 0


def log_rows(**filters):
    return list(AccessLog.objects.filter(seq__gt=_LOG_START["seq"], **filters).order_by("seq"))


def assert_field_error(response, field, text=""):
    assert response.status_code == 422, response.content
    detail = response.json()["detail"]
    messages = [item["msg"] for item in detail if field in item["loc"]]
    assert messages, detail
    assert text in " ".join(messages)


# -- schema and authentication ------------------------------------------------------------------


def test_openapi_lists_the_endpoints(staff_client):
    response = staff_client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert set(paths["/api/v1/citizens"]) == {"get", "post"}
    assert set(paths["/api/v1/citizens/{citizen_id}"]) == {"get", "patch"}
    assert "post" in paths["/api/v1/citizens/match"]
    assert "post" in paths["/api/v1/citizens/{citizen_id}/merge"]
    assert "post" in paths["/api/v1/merges/{merge_id}/undo"]


def test_docs_page_is_served_to_verified_staff(staff_client):
    assert staff_client.get("/api/v1/docs").status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/openapi.json", "/api/v1/docs"])
def test_schema_and_docs_are_closed_to_the_anonymous_and_unverified(client, staff_user, citizen_user, path):
    assert client.get(path).status_code == 401
    client.force_login(citizen_user)
    assert client.get(path).status_code == 401
    client.force_login(staff_user)  # password only, second factor not passed
    assert client.get(path).status_code == 401
    assert client.get(path, HTTP_AUTHORIZATION="Bearer grc_nimportequoi").status_code == 401


def test_a_token_reads_the_schema(client, token):
    response = client.get("/api/v1/openapi.json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert "/api/v1/citizens" in response.json()["paths"]


def test_no_credentials_is_401(client, citizen):
    response = client.get(f"/api/v1/citizens/{citizen.pk}")
    assert response.status_code == 401
    assert "Authentification requise" in response.json()["detail"]
    assert log_rows() == []


@pytest.mark.parametrize("header", ["Bearer grc_nimportequoi", "Bearer ", "Basic abc", "Token x"])
def test_unknown_token_is_401(client, citizen, header):
    assert client.get(f"/api/v1/citizens/{citizen.pk}", HTTP_AUTHORIZATION=header).status_code == 401


def test_revoked_token_is_401(bearer, token, citizen):
    assert bearer.get(f"/api/v1/citizens/{citizen.pk}").status_code == 200
    call_command("revoke_api_token", token[:12], stdout=io.StringIO())
    assert bearer.get(f"/api/v1/citizens/{citizen.pk}").status_code == 401


def test_staff_session_without_second_factor_is_401(client, staff_user, citizen):
    client.force_login(staff_user)
    assert client.get(f"/api/v1/citizens/{citizen.pk}").status_code == 401


def test_citizen_portal_account_is_refused(client, citizen_user, citizen):
    client.force_login(citizen_user)
    assert client.get(f"/api/v1/citizens/{citizen.pk}").status_code == 401
    assert client.get("/api/v1/citizens?q=goff").status_code == 401


def test_session_writes_need_the_csrf_token(staff_user, citizen):
    client = verify_otp(Client(enforce_csrf_checks=True), staff_user)
    response = client.patch(f"/api/v1/citizens/{citizen.pk}", {"usage_name": "Martin"}, content_type=JSON)
    assert response.status_code == 403
    citizen.refresh_from_db()
    assert citizen.usage_name == ""


# -- read ---------------------------------------------------------------------------------------


def test_read_gives_identity_current_addresses_and_contacts(staff_client, staff_user, citizen):
    response = staff_client.get(f"/api/v1/citizens/{citizen.pk}")

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["birth_name"], body["birth_date"], body["merged_into"]) == (
        citizen.pk,
        "Le Goff",
        "1980-03-02",
        None,
    )
    assert [a["line1"] for a in body["addresses"]] == ["2 rue Actuelle"]
    assert [(c["kind"], c["value"]) for c in body["contacts"]] == [("email", "anne@example.org")]


def test_each_read_writes_one_access_log_row_with_the_api_actor(bearer, citizen):
    bearer.get(f"/api/v1/citizens/{citizen.pk}")
    service_account = User.objects.get(email="scanner@example.org")
    rows = log_rows()
    assert [(r.actor_id, r.action, r.citizen_id, r.purpose) for r in rows] == [
        (service_account.pk, AccessLog.Action.API_READ, citizen.pk, "API")
    ]
    assert rows[0].request_id


def test_merged_citizen_answers_with_its_data_and_where_it_went(staff_client, manager_client, citizen):
    target = CitizenFactory()
    client, _ = manager_client
    client.post(
        f"/api/v1/citizens/{citizen.pk}/merge", {"target_id": target.pk, "reason": "doublon"}, content_type=JSON
    )
    body = staff_client.get(f"/api/v1/citizens/{citizen.pk}").json()
    assert (body["birth_name"], body["status"], body["merged_into"]) == ("Le Goff", "merged", target.pk)


def test_user_without_rights_gets_404(client, citizen):
    no_team = UserFactory(staff=True)
    verify_otp(client, no_team)
    assert client.get(f"/api/v1/citizens/{citizen.pk}").status_code == 404
    assert client.get("/api/v1/citizens/999999").status_code == 404
    assert client.patch(f"/api/v1/citizens/{citizen.pk}", {"usage_name": "X"}, content_type=JSON).status_code == 404
    assert log_rows() == []


def test_unknown_citizen_is_404(staff_client):
    response = staff_client.get("/api/v1/citizens/987654")
    assert response.status_code == 404
    assert response.json() == {"detail": "Introuvable."}


def test_read_query_count_is_pinned(staff_client, citizen, django_assert_num_queries):
    AddressFactory.create_batch(3, citizen=citizen)
    staff_client.get(f"/api/v1/citizens/{citizen.pk}")  # warm the session and caches
    # session, user, OTP device, roles, citizen, addresses, contacts, households, access-log insert:
    # none grows with the addresses.
    with django_assert_num_queries(9):
        response = staff_client.get(f"/api/v1/citizens/{citizen.pk}")
    assert len(response.json()["addresses"]) == 4


# -- update -------------------------------------------------------------------------------------


def test_patch_changes_only_the_fields_sent_with_history(staff_client, staff_user, citizen):
    response = staff_client.patch(
        f"/api/v1/citizens/{citizen.pk}",
        {"usage_name": "Martin", "reason": "mariage"},
        content_type=JSON,
    )
    assert response.status_code == 200, response.content
    assert (response.json()["usage_name"], response.json()["birth_name"]) == ("Martin", "Le Goff")
    citizen.refresh_from_db()
    assert citizen.norm_usage_name == "MARTIN"
    latest = citizen.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (staff_user, "mariage")


def test_read_only_role_gets_403_on_patch(citizen):
    client, _ = session_client(Membership.Role.MAILROOM_AGENT)
    assert client.get(f"/api/v1/citizens/{citizen.pk}").status_code == 200
    response = client.patch(f"/api/v1/citizens/{citizen.pk}", {"usage_name": "X"}, content_type=JSON)
    assert response.status_code == 403
    citizen.refresh_from_db()
    assert citizen.usage_name == ""


def test_patch_on_a_merged_record_is_409(staff_client, manager_client, citizen):
    client, _ = manager_client
    client.post(
        f"/api/v1/citizens/{citizen.pk}/merge",
        {"target_id": CitizenFactory().pk, "reason": "doublon"},
        content_type=JSON,
    )
    response = staff_client.patch(f"/api/v1/citizens/{citizen.pk}", {"usage_name": "X"}, content_type=JSON)
    assert response.status_code == 409
    assert "fusionné" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "field", "text"),
    [
        ({"nir": "180033523812399"}, "nir", "NIR n'est pas valide"),
        ({"birth_date": "1980-02-30"}, "birth_date", "Date invalide"),
        ({"birth_date": "02/03/1980"}, "birth_date", "Date invalide"),
        ({"birth_date": "2999-01-01"}, "birth_date", "futur"),
        ({"birth_name": "   "}, "birth_name", "obligatoire"),
        ({"birth_name": None}, "birth_name", "chaîne"),
        ({"first_names": 12}, "first_names", "chaîne"),
        ({"usage_name": "x" * 151}, "usage_name", "150 caractères"),
        ({"sex": "Z"}, "sex", "valeurs possibles"),
        ({"assurance_level": 4}, "assurance_level", "au plus 3"),
        ({"password": "x"}, "password", "Champ inconnu"),
    ],
)
def test_patch_bad_input_is_422_with_a_french_field_message(staff_client, citizen, body, field, text):
    response = staff_client.patch(f"/api/v1/citizens/{citizen.pk}", body, content_type=JSON)
    assert_field_error(response, field, text)
    assert response.json()["detail"][0]["loc"][0] == "body"


def test_nir_already_held_by_another_citizen_is_422(staff_client, citizen):
    taken = make_nir("1800335238123")
    CitizenFactory(nir=taken)
    response = staff_client.patch(f"/api/v1/citizens/{citizen.pk}", {"nir": taken}, content_type=JSON)
    assert_field_error(response, "nir", "déjà attribué")


@pytest.mark.parametrize("raw", ["[1, 2]", '"texte"', "42", "null"])
def test_body_of_the_wrong_json_type_is_422(staff_client, citizen, raw):
    response = staff_client.patch(f"/api/v1/citizens/{citizen.pk}", raw, content_type=JSON)
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"] == "Un objet JSON est attendu."


def test_body_that_is_not_json_is_400(staff_client, citizen):
    response = staff_client.patch(f"/api/v1/citizens/{citizen.pk}", "{birth_name: ", content_type=JSON)
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]


# -- create, match, search (grc.matching) -------------------------------------------------------


def test_create_returns_the_citizen_and_possible_duplicates(staff_client, staff_user, citizen):
    response = staff_client.post(
        "/api/v1/citizens",
        {
            "birth_name": "LE GOFF",
            "first_names": "Anne",
            "birth_date": "1980-03-02",
            "nir": make_nir("2800335238123"),
            "address": {"line1": "2 rue Actuelle", "postcode": "35000", "city": "Rennes"},
            "contacts": [{"kind": "mobile", "value": "0611223344"}],
        },
        content_type=JSON,
    )

    assert response.status_code == 201, response.content
    body = response.json()
    created = Citizen.objects.get(pk=body["id"])
    assert created.history.latest().history_user == staff_user
    assert [a["city"] for a in body["addresses"]] == ["Rennes"]
    assert [c["value"] for c in body["contacts"]] == ["0611223344"]
    assert citizen.pk in [d["id"] for d in body["duplicates"]]
    assert created.pk not in [d["id"] for d in body["duplicates"]]
    assert all(0 <= d["score"] <= 1 for d in body["duplicates"])
    assert [r.action for r in log_rows()] == [AccessLog.Action.CITIZEN_MATCH]


@pytest.mark.parametrize(
    ("body", "field", "text"),
    [
        ({"first_names": "Anne"}, "birth_name", "obligatoire"),
        ({"birth_name": "", "first_names": "Anne"}, "birth_name", "obligatoire"),
        ({"birth_name": "Durand", "first_names": " "}, "first_names", "obligatoire"),
        ({"birth_name": "Durand", "first_names": "Anne", "birth_date": "hier"}, "birth_date", "Date invalide"),
        ({"birth_name": "Durand", "first_names": "Anne", "nir": "2800335238123 00"}, "nir", "NIR"),
        ({"birth_name": "D" * 500, "first_names": "Anne"}, "birth_name", "150"),
        ({"birth_name": ["Durand"], "first_names": "Anne"}, "birth_name", "chaîne"),
        ({"birth_name": "Durand", "first_names": "Anne", "address": {"line1": "x"}}, "postcode", "obligatoire"),
        ({"birth_name": "Durand", "first_names": "Anne", "contacts": [{"kind": "fax", "value": "1"}]}, "kind", ""),
        ({"birth_name": "Durand", "first_names": "Anne", "id": 3}, "id", "Champ inconnu"),
    ],
)
def test_create_bad_input_is_422_with_a_french_field_message(staff_client, body, field, text):
    response = staff_client.post("/api/v1/citizens", body, content_type=JSON)
    assert_field_error(response, field, text)
    assert not Citizen.objects.exists()


def test_create_is_refused_to_a_read_only_role():
    client, _ = session_client(Membership.Role.DPO)
    response = client.post("/api/v1/citizens", {"birth_name": "Durand", "first_names": "Anne"}, content_type=JSON)
    assert response.status_code == 403
    assert not Citizen.objects.exists()


def test_match_lists_candidates_best_first_and_logs_once(bearer, citizen):
    other = CitizenFactory(birth_name="Durand", first_names="Paul", birth_date=datetime.date(1990, 1, 1))
    response = bearer.post(
        "/api/v1/citizens/match",
        {"birth_name": "Le Gof", "first_names": "Anne", "birth_date": "1980-02-03"},
        content_type=JSON,
    )
    assert response.status_code == 200, response.content
    candidates = response.json()["candidates"]
    assert candidates[0]["id"] == citizen.pk
    assert other.pk not in [c["id"] for c in candidates]
    assert [c["score"] for c in candidates] == sorted((c["score"] for c in candidates), reverse=True)
    assert all(0 <= c["score"] <= 1 and isinstance(c["reasons"], list) for c in candidates)
    assert [r.action for r in log_rows()] == [AccessLog.Action.CITIZEN_MATCH]


def test_match_bad_input_is_422(bearer):
    response = bearer.post("/api/v1/citizens/match", {"birth_date": "1980-13-01"}, content_type=JSON)
    assert_field_error(response, "birth_date", "Date invalide")


def test_search_lists_summaries_and_logs_once(staff_client, staff_user, citizen):
    response = staff_client.get("/api/v1/citizens", {"q": "le goff anne"})
    assert response.status_code == 200, response.content
    hits = response.json()
    assert hits[0]["id"] == citizen.pk
    assert set(hits[0]) == {"id", "birth_name", "usage_name", "first_names", "birth_date", "score"}
    assert [(r.action, r.actor_id) for r in log_rows()] == [(AccessLog.Action.CITIZEN_SEARCH, staff_user.pk)]


def test_search_bad_birth_date_is_422(staff_client):
    response = staff_client.get("/api/v1/citizens", {"birth_date": "1980-02-31"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "birth_date"]


# -- merge and undo -----------------------------------------------------------------------------


def attachments(citizen_id):
    return (
        sorted(ContactPoint.objects.filter(citizen_id=citizen_id).values_list("pk", flat=True)),
        sorted(HouseholdMembership.objects.filter(citizen_id=citizen_id).values_list("pk", flat=True)),
        sorted(Citizen.objects.get(pk=citizen_id).addresses.values_list("pk", flat=True)),
        Citizen.objects.get(pk=citizen_id).user_id,
    )


def test_merge_then_undo_through_the_api_restores_everything(manager_client, citizen):
    client, manager = manager_client
    citizen.user = UserFactory(citizen_account=True)
    citizen.save()
    target = citizen_create(actor=manager, birth_name="LEGOFF", first_names="Anne-Marie")
    AddressFactory(citizen=target)
    before = attachments(citizen.pk), attachments(target.pk)

    response = client.post(
        f"/api/v1/citizens/{citizen.pk}/merge",
        {"target_id": target.pk, "reason": "même personne", "field_choices": {"birth_date": "source"}},
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    merge = CitizenMerge.objects.get(pk=response.json()["id"])
    assert (response.json()["source_id"], response.json()["target_id"]) == (citizen.pk, target.pk)
    target.refresh_from_db()
    assert target.birth_date == citizen.birth_date
    assert attachments(citizen.pk) == ([], [], [], None)

    response = client.post(f"/api/v1/merges/{merge.pk}/undo", {"reason": "homonymes"}, content_type=JSON)
    assert response.status_code == 200, response.content
    assert response.json()["undone_at"]
    assert (attachments(citizen.pk), attachments(target.pk)) == before
    target.refresh_from_db()
    assert target.birth_date is None
    assert Citizen.objects.get(pk=citizen.pk).status == Citizen.Status.ACTIVE

    again = client.post(f"/api/v1/merges/{merge.pk}/undo", {"reason": "encore"}, content_type=JSON)
    assert again.status_code == 422
    assert "déjà été annulée" in again.json()["detail"][0]["msg"]


def test_social_worker_may_not_merge_through_the_api(staff_client, citizen):
    target = CitizenFactory()
    response = staff_client.post(
        f"/api/v1/citizens/{citizen.pk}/merge", {"target_id": target.pk, "reason": "doublon"}, content_type=JSON
    )
    assert response.status_code == 403
    assert not CitizenMerge.objects.exists()


@pytest.mark.parametrize(
    ("body", "field", "text"),
    [
        ({"reason": "   "}, "reason", "motif"),
        ({"reason": "doublon", "field_choices": {"password": "source"}}, "field_choices", ""),
        ({"reason": "doublon", "field_choices": {"nir": "les deux"}}, "nir", "valeurs possibles"),
        ({"reason": "doublon", "target_id": "abc"}, "target_id", "entier"),
    ],
)
def test_merge_bad_input_is_422(manager_client, citizen, body, field, text):
    client, _ = manager_client
    body = {"target_id": CitizenFactory().pk, **body}
    response = client.post(f"/api/v1/citizens/{citizen.pk}/merge", body, content_type=JSON)
    assert_field_error(response, field, text)
    assert not CitizenMerge.objects.exists()


def test_merge_with_itself_is_422(manager_client, citizen):
    client, _ = manager_client
    response = client.post(
        f"/api/v1/citizens/{citizen.pk}/merge", {"target_id": citizen.pk, "reason": "x"}, content_type=JSON
    )
    assert response.status_code == 422
    assert "elle-même" in response.json()["detail"][0]["msg"]


def test_merge_into_unknown_target_is_404(manager_client, citizen):
    client, _ = manager_client
    response = client.post(
        f"/api/v1/citizens/{citizen.pk}/merge", {"target_id": 987654, "reason": "x"}, content_type=JSON
    )
    assert response.status_code == 404


def test_undo_of_unknown_merge_is_404(manager_client):
    client, _ = manager_client
    assert client.post("/api/v1/merges/987654/undo", {"reason": "x"}, content_type=JSON).status_code == 404


# -- token commands -----------------------------------------------------------------------------


def test_create_token_makes_a_service_account_and_stores_only_a_hash(team):
    raw = issue_token(team=team.code, role=Membership.Role.MAILROOM_AGENT)

    user = User.objects.get(email="scanner@example.org")
    assert (user.is_staff, user.is_service_account, user.has_usable_password()) == (True, True, False)
    assert user.memberships.get().role == Membership.Role.MAILROOM_AGENT
    token = ApiToken.objects.get()
    assert token.token_hash == ApiToken.hash(raw)
    assert raw.startswith(token.prefix) and len(raw) > 40
    assert not ApiToken.objects.filter(token_hash=raw).exists()
    # A second token for the same account reuses it.
    issue_token(name="Second poste", team=team.code, role=Membership.Role.MAILROOM_AGENT)
    assert (User.objects.count(), user.memberships.count(), ApiToken.objects.count()) == (2, 1, 2)


def test_create_token_refuses_a_personal_account(staff_user):
    with pytest.raises(CommandError, match="compte personnel"):
        issue_token(email=staff_user.email)


def test_create_token_refuses_an_unknown_team():
    with pytest.raises(CommandError, match="Équipe inconnue"):
        issue_token(team="nulle-part", role=Membership.Role.INSTRUCTOR)


def test_revoke_unknown_prefix_fails():
    with pytest.raises(CommandError):
        call_command("revoke_api_token", "grc_inconnu", stdout=io.StringIO())


def test_token_without_membership_reads_nothing(client, citizen):
    raw = issue_token()
    response = client.get(f"/api/v1/citizens/{citizen.pk}", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 404
    assert json.loads(response.content) == {"detail": "Introuvable."}
