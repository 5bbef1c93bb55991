"""The API shows the NIR to exactly the people the back office shows it to (grc.perms.visible_nir)."""

import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from config.api import api
from grc import nir
from grc.models import Membership
from tests.factories import CitizenFactory, MembershipFactory, TeamFactory, UserFactory, verify_otp

pytestmark = pytest.mark.django_db

FULL_NIR = f"1840375238123{nir.key('1840375238123'):02d}"
MASKED_NIR = nir.mask(FULL_NIR)

# role -> whether the back office shows the whole NIR (grc.perms.can_view_full_nir)
SESSION_ROLES = {
    Membership.Role.SOCIAL_WORKER: True,
    Membership.Role.INSTRUCTOR: True,
    Membership.Role.TEAM_MANAGER: True,
    Membership.Role.FUNCTIONAL_ADMIN: True,
    Membership.Role.MAILROOM_AGENT: False,
    Membership.Role.DPO: False,
}
TOKEN_ROLES = {Membership.Role.MAILROOM_AGENT: False, Membership.Role.INSTRUCTOR: True}


def session_for(role) -> Client:
    return verify_otp(Client(), MembershipFactory(role=role).user)


def token_client_for(role) -> Client:
    out = io.StringIO()
    team = TeamFactory()
    call_command(
        "create_api_token", email=f"{role}@stations.example.org", name="Poste", team=team.code, role=role, stdout=out
    )
    raw = out.getvalue().strip().splitlines()[-1]
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def backoffice_shows_full_nir(client, citizen) -> bool:
    page = client.get(reverse("backoffice:citizen_detail", args=[citizen.pk])).content.decode()
    assert MASKED_NIR in page or FULL_NIR in page, "the back office shows the NIR in one form or the other"
    return FULL_NIR in page


@pytest.mark.parametrize("role", list(SESSION_ROLES))
def test_api_citizen_read_masks_the_nir_exactly_as_the_back_office(role):
    citizen = CitizenFactory(nir=FULL_NIR)
    client = session_for(role)

    data = client.get(f"/api/v1/citizens/{citizen.pk}").json()

    expected_full = SESSION_ROLES[role]
    assert data["nir"] == (FULL_NIR if expected_full else MASKED_NIR)
    assert backoffice_shows_full_nir(client, citizen) is expected_full
    assert FULL_NIR not in str(data) or expected_full


@pytest.mark.parametrize("role", list(TOKEN_ROLES))
def test_api_citizen_read_masks_the_nir_for_a_service_token_by_its_role(role):
    citizen = CitizenFactory(nir=FULL_NIR)

    response = token_client_for(role).get(f"/api/v1/citizens/{citizen.pk}")

    assert response.status_code == 200
    assert response.json()["nir"] == (FULL_NIR if TOKEN_ROLES[role] else MASKED_NIR)
    assert (FULL_NIR in response.content.decode()) is TOKEN_ROLES[role]


def test_superuser_without_a_role_sees_the_nir_in_the_api_as_in_the_back_office():
    citizen = CitizenFactory(nir=FULL_NIR)
    client = verify_otp(Client(), UserFactory(staff=True, is_superuser=True))

    assert client.get(f"/api/v1/citizens/{citizen.pk}").json()["nir"] == FULL_NIR
    assert backoffice_shows_full_nir(client, citizen)


def test_a_social_worker_gets_the_whole_nir_back_from_a_patch():
    citizen = CitizenFactory(nir=FULL_NIR)
    client = session_for(Membership.Role.SOCIAL_WORKER)

    response = client.patch(
        f"/api/v1/citizens/{citizen.pk}",
        {"usage_name": "Durand", "reason": "mariage"},
        content_type="application/json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["nir"] == FULL_NIR


@pytest.mark.parametrize("role", [*SESSION_ROLES])
def test_citizen_search_results_carry_no_nir(role):
    citizen = CitizenFactory(nir=FULL_NIR, birth_name="Kerhervé", first_names="Yann")

    response = session_for(role).get("/api/v1/citizens", {"q": "Kerhervé Yann"})

    assert response.status_code == 200
    assert citizen.pk in [hit["id"] for hit in response.json()]
    assert FULL_NIR[-4:] not in response.content.decode()


def test_only_the_masked_citizen_schemas_carry_a_nir_in_any_api_answer():
    """Every response schema of the API (all routers) is read: a new output with a NIR field must be masked too."""
    schemas = api.get_openapi_schema()["components"]["schemas"]
    with_nir = {name for name, schema in schemas.items() if "nir" in schema.get("properties", {})}
    inputs = {name for name in with_nir if name.endswith("In")}

    assert with_nir - inputs == {"CitizenOut", "CitizenCreatedOut"}
