"""A note's author corrects it within 24 hours: history keeps the old text, the note shows "modifiée"."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from dossier_unique import services as file_services
from dossier_unique.models import Note
from dossier_unique.services.note_edit import note_edit
from tests.dossier_unique.factories import open_file
from tests.factories import verify_otp

pytestmark = pytest.mark.django_db


@pytest.fixture
def note(team_a, worker_a, citizen):
    file, _accompaniment = open_file(citizen=citizen, team=team_a, actor=worker_a)
    return file_services.note_write(
        file=file, author=worker_a, text="Entretien avec Mme : RSA à renouveller", kind="entretien", visibility="file"
    )


def test_the_author_corrects_a_note_and_the_old_text_stays_in_history(note, worker_a):
    note_edit(note=note, text="Entretien : RSA à renouveler", actor=worker_a)
    note.refresh_from_db()
    assert note.text == "Entretien : RSA à renouveler" and note.edited_at is not None
    versions = list(note.history.order_by("history_id").values_list("text", "history_change_reason"))
    assert versions == [
        ("Entretien avec Mme : RSA à renouveller", "rédaction"),
        ("Entretien : RSA à renouveler", "correction par l'auteur"),
    ]


def test_nobody_else_and_not_after_24_hours(note, worker_a, colleague_a):
    with pytest.raises(PermissionDenied):
        note_edit(note=note, text="Autre", actor=colleague_a)
    Note.objects.filter(pk=note.pk).update(created_at=timezone.now() - datetime.timedelta(hours=25))
    with pytest.raises(PermissionDenied):
        note_edit(note=note, text="Trop tard", actor=worker_a)
    with pytest.raises(ValidationError):
        Note.objects.filter(pk=note.pk).update(created_at=timezone.now())
        note_edit(note=note, text="   ", actor=worker_a)
    assert Note.objects.get(pk=note.pk).text.startswith("Entretien avec Mme")


def test_note_pages_offer_the_correction_and_show_it_as_edited(client, note, worker_a, colleague_a):
    author = verify_otp(client, worker_a)
    detail = author.get(reverse("backoffice:note_detail", args=[note.pk])).content.decode()
    assert "Corriger la note" in detail
    edit_url = reverse("backoffice:note_edit", args=[note.pk])
    empty = author.post(edit_url, {"text": ""})
    assert empty.status_code == 422 and "Champ requis." in empty.content.decode()
    done = author.post(edit_url, {"text": "Texte corrigé"})
    assert done.status_code == 302
    file_page = author.get(reverse("backoffice:file_detail", args=[note.file_id])).content.decode()
    assert "modifiée" in file_page and "Texte corrigé" in file_page
    # A colleague who reads the note may not correct it: no link, and the page is a 404.
    other = verify_otp(type(client)(), colleague_a)
    assert "Corriger la note" not in other.get(reverse("backoffice:note_detail", args=[note.pk])).content.decode()
    assert other.get(edit_url).status_code == 404
