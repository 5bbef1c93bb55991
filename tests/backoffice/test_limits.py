"""Bounds on what agents type: the length of a note, the birth date and the characters of a name."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from backoffice.files.forms import REASON_MAX_LENGTH
from dossier_unique import services
from dossier_unique.models import NOTE_MAX_LENGTH, Note
from grc.models import Citizen
from grc.services.citizens import citizen_update
from tests.backoffice.factories import citizen_form_data
from tests.factories import CitizenFactory, verify_otp

pytestmark = pytest.mark.django_db

CREATE_URL = reverse("backoffice:citizen_create")


@pytest.fixture
def citizen(db):
    return CitizenFactory(birth_name="Lemoine", first_names="Clara")


def _note_url(file):
    return reverse("backoffice:file_note_write", kwargs={"pk": file.pk})


def test_a_one_megabyte_note_is_refused_and_the_text_given_back(client, followed, worker_a):
    file, _accompaniment = followed
    services.note_write(file=file, author=worker_a, text="Premier entretien", kind="entretien", visibility="file")
    text = "Entretien du 3 mars. " + "x" * (1024 * 1024)

    response = verify_otp(client, worker_a).post(
        _note_url(file), {"note-kind": "entretien", "note-visibility": "file", "note-text": text}
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "La note ne peut pas dépasser 30\xa0000 caractères (elle en compte 1\xa0048\xa0597)" in page
    assert text in page  # all of it, to shorten or to save elsewhere: nothing typed is lost
    assert 'maxlength="' not in page.split('name="note-text"')[1].split(">")[0]  # no silent cut at paste
    assert list(Note.objects.values_list("text", flat=True)) == ["Premier entretien"]


def test_a_note_of_the_maximum_length_is_saved(client, followed, worker_a):
    file, _accompaniment = followed
    text = "y" * NOTE_MAX_LENGTH
    response = verify_otp(client, worker_a).post(
        _note_url(file), {"note-kind": "observation", "note-visibility": "file", "note-text": text}
    )
    assert response.status_code == 302
    assert Note.objects.get(file=file).text == text


def test_the_note_service_refuses_a_note_past_the_limit(followed, worker_a):
    file, _accompaniment = followed
    with pytest.raises(ValidationError) as error:
        services.note_write(
            file=file, author=worker_a, text="z" * (NOTE_MAX_LENGTH + 1), kind="appel", visibility="file"
        )
    assert "ne peut pas dépasser" in " ".join(error.value.message_dict["text"])
    assert not Note.objects.exists()


def _identity(**overrides):
    return citizen_form_data(**{"confirmed": "1", **overrides})


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"birth_date": "01/01/1800"},
            "birth_date",
            "La date de naissance ne peut pas être antérieure au 01/01/1900.",
        ),
        ({"birth_date": "31/12/1899"}, "birth_date", "ne peut pas être antérieure au 01/01/1900"),
        ({"birth_name": "Martin\u202enitraM"}, "birth_name", "caractère invisible ou de contrôle (U+202E)"),
        ({"first_names": "\u2067Gwenaëlle\u2069"}, "first_names", "(U+2067)"),
        ({"usage_name": "Le\u200fGall"}, "usage_name", "(U+200F)"),
        ({"birth_place": "Rennes\u200b"}, "birth_place", "(U+200B)"),
    ],
)
def test_identity_out_of_bounds_is_refused_in_the_back_office_form(staff_client, overrides, field, message):
    response = staff_client.post(CREATE_URL, _identity(**overrides))

    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert f'id="id_{field}_error"' in page
    assert 'value="3 rue des Lilas"' in page  # the rest of what was typed is kept
    assert not Citizen.objects.exists()


def test_names_with_accents_apostrophes_and_hyphens_pass(staff_client):
    response = staff_client.post(
        CREATE_URL,
        _identity(birth_name="N'Diaye-Le Hénaff", first_names="Zoé Łucja Ngọc", birth_date="01/01/1900"),
    )
    assert response.status_code == 302, response.content.decode()
    assert Citizen.objects.get().birth_date == datetime.date(1900, 1, 1)


def test_an_old_birth_date_does_not_block_changing_another_field():
    # A record from before the rule (an import): its name can still be corrected.
    citizen = CitizenFactory(birth_name="Lemoine", birth_date=datetime.date(1850, 1, 1))
    citizen_update(citizen=citizen, actor=None, usage_name="Durand")
    citizen.refresh_from_db()
    assert citizen.usage_name == "Durand"


def test_a_closing_reason_past_the_limit_is_refused_and_the_accompaniment_stays_open(client, followed, worker_a):
    file, accompaniment = followed
    response = verify_otp(client, worker_a).post(
        reverse("backoffice:file_accompaniment_close", kwargs={"pk": file.pk, "accompaniment_pk": accompaniment.pk}),
        {f"close-{accompaniment.pk}-reason": "m" * (REASON_MAX_LENGTH + 1)},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert f'id="id_close-{accompaniment.pk}-reason_error"' in page
    assert f"au plus {REASON_MAX_LENGTH} caractères" in page
    accompaniment.refresh_from_db()
    assert accompaniment.is_open
