"""Procedures end to end: a subsidy with the amount asked and granted and its decision letter; a notary's
request whose deceased is identified against the citizen reference (access-logged) and answered."""

import datetime

import pypdfium2
import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.test import Client

from demandes.decisions import request_grant
from demandes.models import Organisation, OrganisationMember, Request
from demandes.notaries import notary_deceased_candidates, notary_request_answer
from grc.audit.models import AccessLog
from grc.models import Citizen, Membership
from tests.factories import CitizenFactory, MembershipFactory, UserFactory

from .conftest import make_procedure

pytestmark = pytest.mark.django_db


def _account():
    user = UserFactory(citizen_account=True)
    CitizenFactory(user=user, assurance_level=Citizen.Assurance.EMAIL_VERIFIED)
    client = Client()
    client.force_login(user)
    return user, client


def _file(client, page, answers):
    review = client.post(page.url, {**answers, "action": "review"})
    assert review.status_code == 302, review.content.decode()[:3000]
    client.post(review["Location"])


def _pdf_text(content: bytes) -> str:
    document = pypdfium2.PdfDocument(content)
    text = " ".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    return " ".join(text.replace("\u00a0", " ").split())  # spaces as a reader sees them


def test_subsidy_amount_asked_granted_and_decision_letter(catalogue, destination_team):
    page = make_procedure(
        catalogue,
        slug="aide-festivals",
        title="Aide aux festivals",
        team=destination_team,
        fields=[("Montant demandé au Département (en euros)", "number", True, "", "", 10)],
    )
    filer, filer_client = _account()
    _file(filer_client, page, {"montant_demande_au_departement_en_euros": "8000"})
    filed = Request.objects.get(account=filer)
    assert filed.amount_requested == 8000 and filed.status == Request.Status.SUBMITTED

    instructor = MembershipFactory(team=destination_team, role=Membership.Role.INSTRUCTOR).user
    with pytest.raises(ValidationError, match="ne peut dépasser le montant demandé"):
        request_grant(request=filed, amount="9000", reason="", actor=instructor)
    with pytest.raises(ValidationError, match="Indiquez un montant en euros"):
        request_grant(request=filed, amount="beaucoup", reason="", actor=instructor)
    request_grant(request=filed, amount="5 000,50", reason="Avis favorable de la commission.", actor=instructor)
    filed.refresh_from_db()
    assert filed.status == Request.Status.ACCEPTED and str(filed.amount_granted) == "5000.50"

    detail = filer_client.get(f"/mon-espace/demandes/{filed.tracking_code}/").content.decode()
    assert "Montant accordé" in detail and "Télécharger la lettre de décision (PDF)" in detail
    letter = filer_client.get(f"/mon-espace/demandes/{filed.tracking_code}/decision.pdf")
    assert letter.status_code == 200 and letter["Content-Type"] == "application/pdf"
    text = _pdf_text(letter.content)
    assert "Notification de décision" in text and "5 000,50 €" in text and "8 000,00 €" in text
    assert "Avis favorable de la commission." in text
    _outsider, outsider_client = _account()
    assert outsider_client.get(f"/mon-espace/demandes/{filed.tracking_code}/decision.pdf").status_code == 404


def test_notary_request_identifies_the_deceased_with_an_access_log_and_states_the_amounts(catalogue, destination_team):
    page = make_procedure(
        catalogue,
        slug="notaires",
        title="Notaires : aide sociale récupérable",
        team=destination_team,
        fields=[
            ("Nom de naissance du défunt", "singleline", True, "", "", 10),
            ("Prénoms du défunt", "singleline", True, "", "", 10),
            ("Date de naissance du défunt", "date", True, "", "", 10),
        ],
    )
    page.applicants = page.Applicants.ORGANISATION
    page.save()
    deceased = CitizenFactory(birth_name="Le Goff", first_names="Yvonne", birth_date=datetime.date(1931, 2, 3))
    notary, notary_client = _account()
    office = Organisation.objects.create(name="Office notarial de Vitré", kind="notary", siret="73282932000074")
    OrganisationMember.objects.create(organisation=office, user=notary, role="admin")
    answers = {
        "acting_for": str(office.pk),
        "nom_de_naissance_du_defunt": "LE GOF",
        "prenoms_du_defunt": "Yvonne",
        "date_de_naissance_du_defunt": "1931-02-03",
    }
    _file(notary_client, page, answers)
    filed = Request.objects.get(account=notary)
    assert filed.organisation_id == office.pk

    instructor = MembershipFactory(team=destination_team, role=Membership.Role.INSTRUCTOR).user
    candidates = notary_deceased_candidates(user=instructor, request=filed)
    assert candidates and candidates[0][0].pk == deceased.pk
    logged = AccessLog.objects.filter(actor=instructor, action=AccessLog.Action.CITIZEN_MATCH, citizen=deceased.pk)
    assert logged.count() == 1 and filed.tracking_code in logged.get().purpose
    with pytest.raises(Http404):
        notary_deceased_candidates(user=MembershipFactory(role=Membership.Role.INSTRUCTOR).user, request=filed)

    with pytest.raises(ValidationError):
        notary_request_answer(request=filed, actor=instructor, deceased=deceased, recoverable=[("", "10")])
    notary_request_answer(
        request=filed,
        actor=instructor,
        deceased=deceased,
        recoverable=[("Aide sociale à l'hébergement", "12400,50"), ("Aide ménagère", "0")],
    )
    filed.refresh_from_db()
    assert filed.status == Request.Status.ACCEPTED
    assert "Aide sociale à l'hébergement : 12\u00a0400,50 €" in filed.decision_reason
    assert "Aide ménagère" not in filed.decision_reason
    letter = notary_client.get(f"/mon-espace/demandes/{filed.tracking_code}/decision.pdf")
    assert "Office notarial de Vitré" in _pdf_text(letter.content)


def test_a_notary_told_nothing_is_recoverable(catalogue, destination_team):
    page = make_procedure(catalogue, slug="notaires", title="Notaires", team=destination_team, fields=[])
    notary, notary_client = _account()
    _file(notary_client, page, {})
    filed = Request.objects.get(account=notary)
    instructor = MembershipFactory(team=destination_team, role=Membership.Role.INSTRUCTOR).user
    notary_request_answer(request=filed, actor=instructor, deceased=None, recoverable=[("ASH", "100")])
    filed.refresh_from_db()
    assert "aucune créance" in filed.decision_reason
