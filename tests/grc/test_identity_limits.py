"""The identity rules every way in shares (grc.validators): birth dates from 1900 to today, no invisible or
control characters in names. Refused by the API with a French 422 on the field, by the services too."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from grc.models import Citizen
from grc.services.citizens import citizen_create, citizen_update
from grc.validators import invisible_character, validate_birth_date, validate_name
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db

JSON = "application/json"

# Bidirectional overrides, embeddings and isolates, direction marks, zero-width characters, soft hyphen,
# BOM, NUL and other controls, line separator.
REFUSED = [
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\u200e",
    "\u200f",
    "\u061c",
    "\u200b",
    "\u200d",
    "\u00ad",
    "\ufeff",
    "\x00",
    "\x1b",
    "\u2028",
]


@pytest.mark.parametrize("char", REFUSED)
def test_invisible_characters_are_refused_in_names(char):
    with pytest.raises(ValidationError) as error:
        validate_name(f"Mar{char}tin")
    assert f"U+{ord(char):04X}" in error.value.messages[0]


@pytest.mark.parametrize("name", ["Kerhervé", "N'Diaye-Le Hénaff", "Łukasz", "Nguyễn", "Zoé, Anne", "O’Connor"])
def test_real_names_pass(name):
    assert invisible_character(name) is None
    validate_name(name)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (datetime.date(1800, 1, 1), "too_old"),
        (datetime.date(1899, 12, 31), "too_old"),
        (datetime.date(2999, 1, 1), "future"),
    ],
)
def test_birth_dates_out_of_bounds_are_refused(value, code):
    with pytest.raises(ValidationError) as error:
        validate_birth_date(value)
    assert error.value.code == code


def test_birth_date_bounds_are_inclusive():
    validate_birth_date(datetime.date(1900, 1, 1))
    validate_birth_date(timezone.localdate())


def test_services_refuse_what_the_forms_refuse(staff_user):
    with pytest.raises(ValidationError) as error:
        citizen_create(
            actor=staff_user, birth_name="Du\u202epont", first_names="Anne", birth_date=datetime.date(1800, 5, 1)
        )
    assert set(error.value.message_dict) == {"birth_name", "birth_date"}
    assert not Citizen.objects.exists()


def _field_messages(response, field):
    assert response.status_code == 422, response.content
    return " ".join(item["msg"] for item in response.json()["detail"] if item["loc"][-1] == field)


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"birth_date": "1800-01-01"}, "birth_date", "ne peut pas être antérieure au 01/01/1900"),
        ({"birth_name": "Martin\u202e"}, "birth_name", "caractère invisible ou de contrôle (U+202E)"),
        ({"first_names": "Anne\u2066"}, "first_names", "(U+2066)"),
        ({"usage_name": "\u200fLe Gall"}, "usage_name", "(U+200F)"),
        ({"birth_place": "Ren\u00adnes"}, "birth_place", "(U+00AD)"),
        ({"birth_country": "Fra\u061cnce"}, "birth_country", "(U+061C)"),
    ],
)
def test_api_create_refuses_out_of_bounds_identities_in_french(staff_client, body, field, message):
    payload = {"birth_name": "Durand", "first_names": "Anne", "birth_date": "1980-03-02", **body}
    response = staff_client.post("/api/v1/citizens", payload, content_type=JSON)
    assert message in _field_messages(response, field)
    assert not Citizen.objects.exists()


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"birth_date": "1800-01-01"}, "birth_date", "antérieure au 01/01/1900"),
        ({"birth_name": "Le\u202eGoff"}, "birth_name", "(U+202E)"),
    ],
)
def test_api_update_refuses_out_of_bounds_identities_in_french(staff_client, body, field, message):
    citizen = CitizenFactory(birth_name="Le Goff", first_names="Anne", birth_date=datetime.date(1980, 3, 2))
    response = staff_client.patch(f"/api/v1/citizens/{citizen.pk}", body, content_type=JSON)
    assert message in _field_messages(response, field)
    citizen.refresh_from_db()
    assert (citizen.birth_name, citizen.birth_date) == ("Le Goff", datetime.date(1980, 3, 2))


def test_service_update_refuses_a_bidi_name(staff_user):
    citizen = CitizenFactory(birth_name="Le Goff")
    with pytest.raises(ValidationError):
        citizen_update(citizen=citizen, actor=staff_user, birth_name="Le\u2067Goff")
    citizen.refresh_from_db()
    assert citizen.birth_name == "Le Goff"


def test_the_models_carry_the_same_rules_for_model_forms_and_the_admin():
    citizen = Citizen(birth_name="Le\u202eGoff", first_names="Anne", birth_date=datetime.date(1800, 1, 1))
    with pytest.raises(ValidationError) as error:
        citizen.full_clean()
    assert {"birth_name", "birth_date"} <= set(error.value.message_dict)
