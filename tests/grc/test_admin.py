import pytest
from django.contrib import admin

from grc.models import (
    Address,
    ApiToken,
    Citizen,
    CitizenMerge,
    ContactPoint,
    DuplicateSuspicion,
    Household,
    HouseholdMembership,
    Membership,
    Site,
    Team,
    Territory,
)
from tests.factories import MembershipFactory, TeamFactory, UserFactory, verify_otp

pytestmark = pytest.mark.django_db

ORGANISATION_CHANGELISTS = [
    "/django-admin/grc/territory/",
    "/django-admin/grc/site/",
    "/django-admin/grc/team/",
    "/django-admin/grc/membership/",
    "/django-admin/grc/apitoken/",
]


@pytest.mark.parametrize("url", ORGANISATION_CHANGELISTS)
def test_functional_admin_opens_the_organisation_changelists(admin_client, url):
    MembershipFactory()
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": "CDAS"}).status_code == 200


def test_functional_admin_opens_a_team_with_its_members_and_history(admin_client):
    membership = MembershipFactory()
    team = membership.team
    response = admin_client.get(f"/django-admin/grc/team/{team.pk}/change/")
    assert response.status_code == 200
    # Members are listed read-only (they change on the membership pages, through the services).
    assert str(membership.user) in response.content.decode()
    assert admin_client.get(f"/django-admin/grc/team/{team.pk}/history/").status_code == 200


def test_functional_admin_edits_a_territory_with_history(admin_client):
    territory = TeamFactory().territory
    response = admin_client.post(
        f"/django-admin/grc/territory/{territory.pk}/change/", {"name": "Pays renommé", "code": territory.code}
    )
    assert response.status_code == 302
    territory.refresh_from_db()
    assert territory.name == "Pays renommé"
    assert territory.history.first().history_user is not None


def test_personal_data_models_are_not_in_the_admin(admin_client):
    for model in (Citizen, Address, ContactPoint, Household, HouseholdMembership, DuplicateSuspicion, CitizenMerge):
        assert not admin.site.is_registered(model), model
    assert admin_client.get("/django-admin/grc/citizen/").status_code == 404


def test_organisation_models_are_registered_with_history():
    for model in (Territory, Site, Team, Membership):
        assert admin.site.is_registered(model)
        assert hasattr(admin.site._registry[model], "history_view")


def test_api_tokens_are_read_only_and_never_show_their_hash(admin_client):
    user = UserFactory(staff=True, is_service_account=True)
    token = ApiToken.objects.create(
        user=user, name="Poste de numérisation", prefix="grc_abcd", token_hash=ApiToken.hash("s3cret")
    )
    listing = admin_client.get("/django-admin/grc/apitoken/").content.decode()
    detail = admin_client.get(f"/django-admin/grc/apitoken/{token.pk}/change/")
    assert detail.status_code == 200
    for page in (listing, detail.content.decode()):
        assert "grc_abcd" in page
        assert token.token_hash not in page
    assert admin_client.get("/django-admin/grc/apitoken/add/").status_code == 403
    assert admin_client.get(f"/django-admin/grc/apitoken/{token.pk}/delete/").status_code == 403


def test_staff_without_admin_rights_cannot_manage_teams(client):
    social_worker = MembershipFactory().user
    verify_otp(client, social_worker)
    assert client.get("/django-admin/grc/team/").status_code == 403
