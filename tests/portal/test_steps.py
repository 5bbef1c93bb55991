"""Multi-step forms without JavaScript (plain HTTP client): one step per page, validation per step,
back and forth without losing anything, a failed review shows the incomplete step (portal/steps.py)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from demandes.models import Request

from .conftest import make_procedure, pdf_bytes

pytestmark = pytest.mark.django_db

FIELDS = [
    ("Nom du projet", "singleline", True, "", "", 10),
    ("Public visé", "checkboxes", False, "Jeunes\nSeniors", "", 10),
    ("Montant demandé (en euros)", "number", True, "", "", 10),
    ("Budget prévisionnel", "file", True, "", "pdf", 1),
]


@pytest.fixture
def stepped(catalogue, destination_team):
    page = make_procedure(catalogue, slug="aide-projet", title="Aide à projet", fields=FIELDS, team=destination_team)
    for field in page.form_fields.all():
        if field.label in ("Montant demandé (en euros)", "Budget prévisionnel"):
            field.step, field.step_title = 2, "Le budget"
            field.save()
    return page


def test_steps_one_page_each_nothing_lost_going_back_then_filed(filer_client, filer, stepped):
    first = filer_client.get(stepped.url).content.decode()
    assert "Étape 1 sur 2" in first and "id_nom_du_projet" in first and "id_montant_demande_en_euros" not in first
    assert "Étape suivante" in first and "Continuer vers la vérification" not in first

    # Step 1 checked on its own: the missing name is said, nothing of step 2 is asked yet.
    missing = filer_client.post(stepped.url, {"_etape": "1", "action": "next", "public_vise": ["Seniors"]})
    body = missing.content.decode()
    assert missing.status_code == 200 and "Nom du projet : Ce champ est obligatoire." in body
    assert "Montant demandé" not in body and 'value="Seniors"' in body and "checked" in body

    step1 = {"_etape": "1", "action": "next", "nom_du_projet": "Festival des Embruns", "public_vise": ["Jeunes"]}
    moved = filer_client.post(stepped.url, step1)
    assert moved.status_code == 302 and moved["Location"].endswith("?etape=2")
    second = filer_client.get(moved["Location"]).content.decode()
    assert "Étape 2 sur 2 : Le budget" in second and "id_nom_du_projet" not in second
    assert "Continuer vers la vérification" in second and "Étape précédente" in second

    # Back from step 2 with a wrong amount: saved as typed, step 1 as it was.
    back = filer_client.post(stepped.url, {"_etape": "2", "action": "previous", "montant_demande_en_euros": "abc"})
    assert back.status_code == 302 and back["Location"].endswith("?etape=1")
    draft = Request.objects.get(account=filer, procedure_id=stepped.pk)
    assert draft.answers["nom_du_projet"] == "Festival des Embruns" and draft.answers["public_vise"] == ["Jeunes"]
    assert draft.answers["montant_demande_en_euros"] == "abc"
    assert 'value="Festival des Embruns"' in filer_client.get(back["Location"]).content.decode()
    again = filer_client.get(stepped.url + "?etape=2").content.decode()
    assert 'value="abc"' in again

    # The review from the last step checks the step's fields in French, then files.
    wrong = filer_client.post(stepped.url, {"_etape": "2", "action": "review", "montant_demande_en_euros": "abc"})
    wrong_body = wrong.content.decode()
    assert wrong.status_code == 200 and "Étape 2 sur 2" in wrong_body and "Saisissez un nombre." in wrong_body
    upload = SimpleUploadedFile("budget.pdf", pdf_bytes(), content_type="application/pdf")
    review = filer_client.post(
        stepped.url,
        {"_etape": "2", "action": "review", "montant_demande_en_euros": "1500", "budget_previsionnel": upload},
    )
    assert review.status_code == 302 and review["Location"].endswith("/verification/")
    filed = filer_client.post(review["Location"])
    assert filed.status_code == 302
    request = Request.objects.get(account=filer, procedure_id=stepped.pk)
    assert request.status == Request.Status.SUBMITTED and request.answers["nom_du_projet"] == "Festival des Embruns"
    assert request.amount_requested == 1500


def test_a_review_with_an_incomplete_earlier_step_shows_that_step(filer_client, stepped):
    response = filer_client.post(stepped.url, {"_etape": "2", "action": "review", "montant_demande_en_euros": "10"})
    body = response.content.decode()
    assert response.status_code == 200 and "Étape 1 sur 2" in body
    assert "Nom du projet : Ce champ est obligatoire." in body and "id_montant_demande_en_euros" not in body
    # A forged step number is brought back into range, never a 500.
    assert filer_client.post(stepped.url, {"_etape": "99", "action": "previous"}).status_code == 302
    assert filer_client.get(stepped.url + "?etape=abc").status_code == 200
