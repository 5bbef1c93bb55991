import datetime

import pytest
from django.urls import reverse

from grc.audit.models import AccessLog
from grc.models import Membership
from grc.services.citizens import citizen_update
from grc.services.merge import citizen_merge
from tests.backoffice.factories import ContactPointFactory, HouseholdMembershipFactory, mediator
from tests.factories import AddressFactory, CitizenFactory, MembershipFactory, UserFactory, verify_otp

pytestmark = pytest.mark.django_db


def test_citizen_page_shows_identity_and_logs_exactly_one_read(staff_client, staff_user):
    citizen = CitizenFactory(birth_name="Le Goff", first_names="Annaïg", birth_date=datetime.date(1984, 3, 9))
    AddressFactory(citizen=citizen, line1="12 rue de Fougères", end_date=None)
    ContactPointFactory(citizen=citizen, value="annaig@example.net")
    membership = HouseholdMembershipFactory(citizen=citizen)
    child = HouseholdMembershipFactory(household=membership.household, role="enfant").citizen
    before = AccessLog.objects.count()

    response = staff_client.get(reverse("backoffice:citizen_detail", args=[citizen.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "LE GOFF Annaïg" in page
    assert "09/03/1984" in page
    assert "12 rue de Fougères" in page
    assert "annaig@example.net" in page
    assert child.get_absolute_url() in page
    assert AccessLog.objects.count() == before + 1
    entry = AccessLog.objects.order_by("-seq").first()
    assert entry.action == AccessLog.Action.CITIZEN_VIEW
    assert entry.actor_id == staff_user.pk
    assert entry.citizen_id == citizen.pk
    assert entry.request_id == response["X-Request-ID"]


def test_citizen_page_is_404_for_staff_without_a_current_membership(client):
    citizen = CitizenFactory()
    verify_otp(client, UserFactory(staff=True))
    before = AccessLog.objects.count()
    assert client.get(reverse("backoffice:citizen_detail", args=[citizen.pk])).status_code == 404
    assert client.get(reverse("backoffice:citizen_history", args=[citizen.pk])).status_code == 404
    assert client.get(reverse("backoffice:citizen_search")).status_code == 404
    assert AccessLog.objects.count() == before


def test_unknown_citizen_is_404(staff_client):
    assert staff_client.get(reverse("backoffice:citizen_detail", args=[999_999_999])).status_code == 404


def test_nir_is_masked_for_a_mailroom_agent_but_not_for_a_social_worker(client, staff_client):
    citizen = CitizenFactory(nir="184037523812345")
    page = staff_client.get(reverse("backoffice:citizen_detail", args=[citizen.pk])).content.decode()
    assert "184037523812345" in page

    agent = MembershipFactory(role=Membership.Role.MAILROOM_AGENT).user
    client.logout()
    page = verify_otp(client, agent).get(reverse("backoffice:citizen_detail", args=[citizen.pk])).content.decode()
    assert "184037523812345" not in page
    assert "2345" in page


def test_merged_citizen_page_shows_a_banner_to_the_survivor(staff_client):
    survivor = CitizenFactory(birth_name="Martin", first_names="Louise")
    duplicate = CitizenFactory(birth_name="Martin", first_names="Louise")
    citizen_merge(source=duplicate, target=survivor, actor=mediator(), reason="même personne")

    page = staff_client.get(reverse("backoffice:citizen_detail", args=[duplicate.pk])).content.decode()

    assert "Fiche fusionnée dans" in page
    assert survivor.get_absolute_url() in page


def test_history_tab_shows_who_changed_what_before_and_after(staff_client, staff_user):
    citizen = CitizenFactory(birth_name="Durand", usage_name="", first_names="Claire")
    citizen_update(citizen=citizen, actor=staff_user, reason="mariage déclaré", usage_name="Bernard")

    response = staff_client.get(reverse("backoffice:citizen_history", args=[citizen.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert str(staff_user) in page
    assert "Nom d&#x27;usage" in page
    assert "<ins>Bernard</ins>" in page
    assert "<del>—</del>" in page
    assert "mariage déclaré" in page
    assert "Création" in page
    actions = list(AccessLog.objects.filter(citizen_id=citizen.pk).values_list("action", flat=True))
    assert actions == [AccessLog.Action.CITIZEN_HISTORY_VIEW]


def test_search_form_is_shown_empty_without_criteria(staff_client):
    response = staff_client.get(reverse("backoffice:citizen_search"))
    assert response.status_code == 200
    assert 'for="id_birth_date"' in response.content.decode()


def test_search_with_a_bad_birth_date_shows_a_french_error_tied_to_the_field(staff_client):
    response = staff_client.get(reverse("backoffice:citizen_search"), {"q": "Martin", "birth_date": "31/02/1980"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Saisissez une date de naissance valide au format jj/mm/aaaa." in page
    assert 'id="id_birth_date_error"' in page
    assert 'aria-describedby="id_birth_date_help id_birth_date_error"' in page
    assert 'aria-invalid="true"' in page


def test_search_finds_a_citizen_by_a_misspelled_name(staff_client):
    citizen = CitizenFactory(birth_name="Lefebvre", first_names="Maryvonne", birth_date=datetime.date(1951, 6, 2))
    AddressFactory(citizen=citizen, city="Vitré", postcode="35500")
    CitizenFactory(birth_name="Tanguy", first_names="Erwan")

    response = staff_client.get(reverse("backoffice:citizen_search"), {"q": "Lefevre Marivonne"})

    assert response.status_code == 200
    page = response.content.decode()
    assert citizen.get_absolute_url() in page
    assert "Vitré" in page
    assert "TANGUY" not in page


def test_search_by_birth_date_in_french_format(staff_client):
    citizen = CitizenFactory(birth_name="Rolland", first_names="Yann", birth_date=datetime.date(1990, 12, 24))
    response = staff_client.get(reverse("backoffice:citizen_search"), {"birth_date": "24/12/1990"})
    assert citizen.get_absolute_url() in response.content.decode()


def test_search_without_result_says_so(staff_client):
    response = staff_client.get(reverse("backoffice:citizen_search"), {"q": "Zzyzx Qwerty"})
    assert response.status_code == 200
    assert "Aucun usager ne correspond à cette recherche." in response.content.decode()
