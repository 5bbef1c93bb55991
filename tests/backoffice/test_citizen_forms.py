import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from grc.audit.models import AccessLog
from grc.models import Citizen, ContactPoint, Membership
from grc.services.merge import citizen_merge
from tests.backoffice.factories import citizen_form_data as _identity
from tests.backoffice.factories import mediator
from tests.factories import AddressFactory, CitizenFactory, MembershipFactory, verify_otp

pytestmark = pytest.mark.django_db

CREATE_URL = reverse("backoffice:citizen_create")


def _nir(first13: str) -> str:
    return f"{first13}{97 - int(first13) % 97:02d}"


# --- creation ---------------------------------------------------------------------------------------


def test_create_form_is_prefilled_from_the_search(staff_client):
    response = staff_client.get(CREATE_URL, {"q": "LE GOFF Annaïg", "birth_date": "09/03/1984"})

    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["birth_name"] == "LE GOFF"
    assert form.initial["first_names"] == "Annaïg"
    assert form.initial["birth_date"] == datetime.date(1984, 3, 9)
    assert 'value="09/03/1984"' in response.content.decode()


def test_search_without_result_links_to_creation_with_what_was_typed(staff_client):
    response = staff_client.get(reverse("backoffice:citizen_search"), {"q": "Zzyzx Quentin", "birth_date": ""})

    page = response.content.decode()
    assert "Aucun usager ne correspond" in page
    assert f"{CREATE_URL}?q=Zzyzx%20Quentin&amp;birth_date=" in page


def test_create_without_duplicate_creates_the_citizen_with_its_history(staff_client, staff_user):
    response = staff_client.post(CREATE_URL, _identity(nir=_nir("2870429232123")))

    citizen = Citizen.objects.get(birth_name="Kerhervé")
    assert response.status_code == 302
    assert response.url == citizen.get_absolute_url()
    assert citizen.first_names == "Gwenaëlle Marie"
    assert citizen.birth_date == datetime.date(1987, 4, 12)
    assert citizen.nir == _nir("2870429232123")
    assert citizen.assurance_level == Citizen.Assurance.DECLARED
    creation = citizen.history.get()
    assert creation.history_type == "+"
    assert creation.history_user == staff_user
    address = citizen.addresses.get()
    assert (address.line1, address.postcode, address.city, address.end_date) == (
        "3 rue des Lilas",
        "35700",
        "Rennes",
        None,
    )
    contacts = {(c.kind, c.value) for c in citizen.contact_points.all()}
    assert contacts == {(ContactPoint.Kind.MOBILE, "06 12 34 56 78"), (ContactPoint.Kind.EMAIL, "gwen@example.net")}
    assert not AccessLog.objects.filter(action=AccessLog.Action.CITIZEN_MATCH).exists()
    page = staff_client.get(response.url).content.decode()
    assert "a été créée" in page


def test_create_with_only_the_identity_needs_no_address_nor_contact(staff_client):
    data = _identity(line1="", postcode="", city="", phone="", email="", birth_date="")
    response = staff_client.post(CREATE_URL, data)

    assert response.status_code == 302
    citizen = Citizen.objects.get(birth_name="Kerhervé")
    assert citizen.birth_date is None
    assert not citizen.addresses.exists()
    assert not citizen.contact_points.exists()


def test_create_with_a_likely_duplicate_asks_for_confirmation_then_creates_when_confirmed(staff_client, staff_user):
    existing = CitizenFactory(
        birth_name="Kerhervé", first_names="Gwenaëlle Marie", birth_date=datetime.date(1987, 4, 12), sex="F"
    )
    AddressFactory(citizen=existing, postcode="29000", city="Quimper", end_date=None)
    before = Citizen.objects.count()

    response = staff_client.post(CREATE_URL, _identity())

    assert response.status_code == 200
    assert Citizen.objects.count() == before
    page = response.content.decode()
    assert "Cette personne existe peut-être déjà" in page
    assert existing.get_absolute_url() in page
    assert existing.display_name in page
    assert "12/04/1987" in page
    assert "29000 Quimper" in page
    assert " %</td>" in page
    assert 'name="confirmed" value="1"' in page
    assert 'type="hidden" name="line1" value="3 rue des Lilas"' in page
    log = AccessLog.objects.get(action=AccessLog.Action.CITIZEN_MATCH)
    assert log.actor_id == staff_user.pk
    assert log.purpose == "création d'usager : 1 candidat(s)"

    response = staff_client.post(CREATE_URL, {**_identity(), "confirmed": "1"})

    assert response.status_code == 302
    assert Citizen.objects.count() == before + 1
    created = Citizen.objects.exclude(pk=existing.pk).get(birth_name="Kerhervé")
    assert response.url == created.get_absolute_url()
    assert created.addresses.get().city == "Rennes"
    assert AccessLog.objects.filter(action=AccessLog.Action.CITIZEN_MATCH).count() == 1


def test_confirmation_step_can_go_back_to_the_form_with_what_was_typed(staff_client):
    CitizenFactory(birth_name="Kerhervé", first_names="Gwenaëlle Marie", birth_date=datetime.date(1987, 4, 12))

    response = staff_client.post(CREATE_URL, {**_identity(), "confirmed": "1", "edit": "1"})

    assert response.status_code == 200
    assert response.templates[0].name == "backoffice/citizen_form.html"
    assert 'value="3 rue des Lilas"' in response.content.decode()
    assert Citizen.objects.filter(birth_name="Kerhervé").count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"nir": "287042923212300"}, "nir", "la clé de contrôle ne correspond pas"),
        ({"nir": _nir("1870429232123")}, "nir", "Ce NIR ne correspond pas au sexe indiqué."),
        ({"birth_date": "31/02/1987"}, "birth_date", "Saisissez une date de naissance valide au format jj/mm/aaaa."),
        (
            {"birth_date": "01/01/1850"},
            "birth_date",
            "La date de naissance ne peut pas être antérieure au 01/01/1900.",
        ),
        ({"postcode": "3570"}, "postcode", "Le code postal doit comporter 5 chiffres."),
        ({"postcode": "", "city": ""}, "postcode", "Indiquez le code postal pour enregistrer l&#x27;adresse."),
        ({"email": "gwen@"}, "email", "Saisissez une adresse électronique valide"),
        ({"phone": "12 34"}, "phone", "Saisissez un numéro de téléphone valide"),
        ({"birth_name": "K" * 151}, "birth_name", "Ce champ ne peut pas dépasser 150 caractères."),
        ({"first_names": "  "}, "first_names", "Indiquez au moins un prénom."),
    ],
)
def test_invalid_input_is_refused_with_a_french_error_tied_to_the_field(staff_client, overrides, field, message):
    response = staff_client.post(CREATE_URL, _identity(**overrides))

    assert response.status_code == 200
    assert not Citizen.objects.filter(birth_name__startswith="K").exists()
    page = response.content.decode()
    assert message in page
    assert f'id="id_{field}_error"' in page
    assert 'aria-invalid="true"' in page
    assert 'value="3 rue des Lilas"' in page or field == "postcode"


def test_a_future_birth_date_is_refused(staff_client):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = staff_client.post(CREATE_URL, _identity(birth_date=tomorrow.strftime("%d/%m/%Y")))

    assert response.status_code == 200
    assert "La date de naissance ne peut pas être dans le futur." in response.content.decode()
    assert not Citizen.objects.filter(birth_name="Kerhervé").exists()


def test_a_nir_already_given_to_someone_else_is_a_field_error_not_a_500(staff_client):
    nir = _nir("2870429232123")
    CitizenFactory(birth_name="Tanguy", first_names="Erwan", birth_date=datetime.date(1960, 1, 1), nir=nir)

    response = staff_client.post(CREATE_URL, {**_identity(nir=nir), "confirmed": "1"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Ce NIR est déjà attribué à un autre usager." in page
    assert 'id="id_nir_error"' in page
    assert 'value="Gwenaëlle Marie"' in page
    assert not Citizen.objects.filter(birth_name="Kerhervé").exists()


def test_agents_cannot_claim_a_franceconnect_assurance_level(staff_client):
    response = staff_client.post(CREATE_URL, _identity(assurance_level=str(Citizen.Assurance.FRANCECONNECT)))

    assert response.status_code == 200
    assert 'id="id_assurance_level_error"' in response.content.decode()
    assert not Citizen.objects.filter(birth_name="Kerhervé").exists()


@pytest.mark.parametrize("role", [Membership.Role.MAILROOM_AGENT, Membership.Role.DPO])
def test_people_who_may_not_edit_identities_get_404_on_create_edit_and_address(client, role):
    citizen = CitizenFactory()
    verify_otp(client, MembershipFactory(role=role).user)
    before = AccessLog.objects.count()

    assert client.get(CREATE_URL).status_code == 404
    assert client.post(CREATE_URL, _identity()).status_code == 404
    assert client.get(reverse("backoffice:citizen_edit", args=[citizen.pk])).status_code == 404
    assert client.post(reverse("backoffice:citizen_edit", args=[citizen.pk])).status_code == 404
    assert client.get(reverse("backoffice:citizen_address_add", args=[citizen.pk])).status_code == 404
    assert AccessLog.objects.count() == before
    assert not Citizen.objects.filter(birth_name="Kerhervé").exists()
    page = client.get(citizen.get_absolute_url()).content.decode()
    assert reverse("backoffice:citizen_edit", args=[citizen.pk]) not in page


# --- identity changes --------------------------------------------------------------------------------


def _edit_data(citizen, **changes):
    data = {
        "birth_name": citizen.birth_name,
        "usage_name": citizen.usage_name,
        "first_names": citizen.first_names,
        "birth_date": citizen.birth_date.strftime("%d/%m/%Y") if citizen.birth_date else "",
        "birth_place": citizen.birth_place,
        "birth_country": citizen.birth_country,
        "sex": citizen.sex,
        "nir": citizen.nir,
        "assurance_level": str(citizen.assurance_level),
        "reason": "",
    }
    data.update(changes)
    return data


def test_citizen_page_has_a_modify_button_for_editors(staff_client):
    citizen = CitizenFactory()
    page = staff_client.get(citizen.get_absolute_url()).content.decode()
    assert reverse("backoffice:citizen_edit", args=[citizen.pk]) in page
    assert reverse("backoffice:citizen_address_add", args=[citizen.pk]) in page


def test_edit_form_shows_the_current_identity(staff_client):
    citizen = CitizenFactory(birth_name="Durand", first_names="Claire", birth_date=datetime.date(1975, 5, 6))
    response = staff_client.get(reverse("backoffice:citizen_edit", args=[citizen.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="Durand"' in page
    assert 'value="06/05/1975"' in page


def test_edit_changes_the_usage_name_and_the_history_shows_it_with_the_reason(staff_client, staff_user):
    citizen = CitizenFactory(birth_name="Durand", usage_name="", first_names="Claire")
    url = reverse("backoffice:citizen_edit", args=[citizen.pk])

    response = staff_client.post(url, _edit_data(citizen, usage_name="Bernard", reason="mariage déclaré"))

    assert response.status_code == 302
    assert response.url == citizen.get_absolute_url()
    citizen.refresh_from_db()
    assert citizen.usage_name == "Bernard"
    assert citizen.norm_usage_name
    change = citizen.history.order_by("-history_date").first()
    assert change.history_user == staff_user
    assert change.history_change_reason == "mariage déclaré"
    assert [
        c.field
        for c in change.diff_against(change.prev_record).changes
        if not c.field.startswith(("norm", "search", "updated"))
    ] == ["usage_name"]
    page = staff_client.get(reverse("backoffice:citizen_history", args=[citizen.pk])).content.decode()
    assert "<ins>Bernard</ins>" in page
    assert "mariage déclaré" in page


def test_edit_without_a_reason_is_refused(staff_client):
    citizen = CitizenFactory(birth_name="Durand", usage_name="", first_names="Claire")

    response = staff_client.post(
        reverse("backoffice:citizen_edit", args=[citizen.pk]), _edit_data(citizen, usage_name="Bernard")
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Indiquez le motif de la modification." in page
    assert 'id="id_reason_error"' in page
    assert 'value="Bernard"' in page
    citizen.refresh_from_db()
    assert citizen.usage_name == ""


def test_edit_without_any_change_says_so(staff_client):
    citizen = CitizenFactory(birth_name="Durand", first_names="Claire")
    history = citizen.history.count()

    response = staff_client.post(
        reverse("backoffice:citizen_edit", args=[citizen.pk]), _edit_data(citizen, reason="relecture")
    )

    assert response.status_code == 200
    assert "Aucune modification" in response.content.decode()
    assert citizen.history.count() == history


def test_edit_keeps_a_franceconnect_level_the_agent_could_not_set(staff_client):
    citizen = CitizenFactory(
        birth_name="Durand", first_names="Claire", assurance_level=Citizen.Assurance.FRANCECONNECT
    )

    response = staff_client.post(
        reverse("backoffice:citizen_edit", args=[citizen.pk]), _edit_data(citizen, birth_place="Brest", reason="lieu")
    )

    assert response.status_code == 302
    citizen.refresh_from_db()
    assert (citizen.birth_place, citizen.assurance_level) == ("Brest", Citizen.Assurance.FRANCECONNECT)


def test_editing_a_merged_citizen_is_404(staff_client):
    survivor = CitizenFactory(birth_name="Martin", first_names="Louise")
    duplicate = CitizenFactory(birth_name="Martin", first_names="Louise")
    citizen_merge(source=duplicate, target=survivor, actor=mediator(), reason="même personne")

    url = reverse("backoffice:citizen_edit", args=[duplicate.pk])
    assert staff_client.get(url).status_code == 404
    assert staff_client.post(url, _edit_data(duplicate, usage_name="X", reason="test")).status_code == 404
    assert staff_client.get(reverse("backoffice:citizen_address_add", args=[duplicate.pk])).status_code == 404
    assert url not in staff_client.get(duplicate.get_absolute_url()).content.decode()


def test_editing_an_unknown_citizen_is_404(staff_client):
    assert staff_client.get(reverse("backoffice:citizen_edit", args=[999_999_999])).status_code == 404


# --- addresses ---------------------------------------------------------------------------------------


def test_adding_an_address_closes_the_current_one(staff_client, staff_user):
    citizen = CitizenFactory()
    old = AddressFactory(citizen=citizen, start_date=datetime.date(2020, 1, 1), end_date=None)

    response = staff_client.post(
        reverse("backoffice:citizen_address_add", args=[citizen.pk]),
        {"line1": "8 place du Marché", "line2": "", "postcode": "35500", "city": "Vitré", "start_date": "01/03/2025"},
    )

    assert response.status_code == 302
    old.refresh_from_db()
    assert old.end_date == datetime.date(2025, 3, 1)
    new = citizen.addresses.get(end_date__isnull=True)
    assert (new.city, new.start_date) == ("Vitré", datetime.date(2025, 3, 1))
    assert new.history.get().history_user == staff_user


def test_an_address_cannot_start_before_the_current_one(staff_client):
    citizen = CitizenFactory()
    AddressFactory(citizen=citizen, start_date=datetime.date(2024, 6, 1), end_date=None)

    response = staff_client.post(
        reverse("backoffice:citizen_address_add", args=[citizen.pk]),
        {"line1": "8 place du Marché", "postcode": "35500", "city": "Vitré", "start_date": "01/03/2024"},
    )

    assert response.status_code == 200
    assert 'id="id_start_date_error"' in response.content.decode()
    assert citizen.addresses.count() == 1
