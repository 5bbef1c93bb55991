"""The back office's decision screens: a subsidy granted with its amount, a notary answered after the
deceased is identified (access-logged); the applicant reads the outcome and the letter in Mon espace."""

import datetime

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from demandes import services
from demandes.decisions import request_amount_record
from demandes.models import Organisation, OrganisationMember, Request
from grc.audit.models import AccessLog
from tests.factories import CitizenFactory, verify_otp
from tests.requests.factories import citizen_account, instructor, procedure_page

pytestmark = pytest.mark.django_db

S = Request.Status


def _filed(team, answers, *, organisation=None):
    account, citizen = citizen_account()
    draft = services.request_draft_save(account=account, procedure=procedure_page(team=team), answers=answers)
    if organisation is not None:
        OrganisationMember.objects.create(organisation=organisation, user=account, role="admin")
        Request.objects.filter(pk=draft.pk).update(organisation=organisation)
        draft.refresh_from_db()
    draft = request_amount_record(request=draft, actor=account)
    filed = services.request_submit(request=draft, actor=account, citizen=citizen)
    applicant = Client()
    applicant.force_login(account)
    return filed, applicant


def test_a_subsidy_is_granted_with_its_amount_and_the_applicant_reads_the_letter(
    client, team_a, team_b, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    filed, applicant = _filed(team_a, {"montant_demande": "8000"})
    agent_client = verify_otp(client, instructor(team_a))
    detail = agent_client.get(reverse("backoffice:request_detail", args=[filed.tracking_code])).content.decode()
    assert "Accorder la subvention" in detail and "Accepter la demande" not in detail

    url = reverse("backoffice:request_grant", args=[filed.tracking_code])
    for typed, error in (
        ("beaucoup", "Indiquez un montant en euros"),
        ("-5", "compris entre 0 et 10 000 000"),
        ("9000", "ne peut dépasser le montant demandé"),
        ("", "Indiquez le montant accordé."),
    ):
        response = agent_client.post(url, {"grant-amount": typed, "grant-reason": "Avis de la commission"})
        body = response.content.decode()
        assert response.status_code == 400 and error in body, typed
        assert "Avis de la commission" in body  # what was typed is kept
    filed.refresh_from_db()
    assert filed.status == S.SUBMITTED and filed.amount_granted is None

    outsider = verify_otp(Client(), instructor(team_b))
    assert outsider.post(url, {"grant-amount": "10"}).status_code == 404

    with django_capture_on_commit_callbacks(execute=True), django_assert_max_num_queries(40):
        response = agent_client.post(url, {"grant-amount": "5 000,50", "grant-reason": "Avis favorable."})
    assert response.status_code == 302
    filed.refresh_from_db()
    assert filed.status == S.ACCEPTED and str(filed.amount_granted) == "5000.50"
    assert filed.history.filter(amount_granted="5000.50").exists()
    notice = mail.outbox[-1]
    assert filed.tracking_code in notice.subject and f"/demandes/{filed.tracking_code}/decision.pdf" in notice.body
    assert "5 000" not in notice.body and "Avis favorable" not in notice.body  # amounts and reasons stay behind login

    espace = applicant.get(f"/mon-espace/demandes/{filed.tracking_code}/").content.decode()
    assert "Montant accordé" in espace and "5\u00a0000,50 €" in espace
    assert applicant.get(f"/mon-espace/demandes/{filed.tracking_code}/decision.pdf").status_code == 200


def test_a_notary_is_answered_after_the_deceased_is_identified(client, team_a, team_b):
    deceased = CitizenFactory(birth_name="Le Goff", first_names="Yvonne", birth_date=datetime.date(1931, 2, 3))
    office = Organisation.objects.create(name="Office notarial de Vitré", kind="notary", siret="73282932000074")
    answers = {
        "nom_de_naissance_du_defunt": "LE GOF",
        "prenoms_du_defunt": "Yvonne",
        "date_de_naissance_du_defunt": "1931-02-03",
    }
    filed, notary_client = _filed(team_a, answers, organisation=office)
    agent = instructor(team_a)
    agent_client = verify_otp(client, agent)
    detail = agent_client.get(reverse("backoffice:request_detail", args=[filed.tracking_code])).content.decode()
    assert "répondre au notaire" in detail and "Accepter la demande" not in detail

    url = reverse("backoffice:request_notary", args=[filed.tracking_code])
    page = agent_client.get(url).content.decode()
    assert "LE GOF" in page and deceased.display_name in page and "03/02/1931" in page
    logged = AccessLog.objects.filter(actor=agent, action=AccessLog.Action.CITIZEN_MATCH, citizen=deceased.pk)
    assert logged.count() == 1 and filed.tracking_code in logged.get().purpose
    assert verify_otp(Client(), instructor(team_b)).get(url).status_code == 404

    bad = agent_client.post(
        url, {"deceased": str(deceased.pk), "aid_1": "Aide sociale à l'hébergement", "amount_1": "douze"}
    )
    assert bad.status_code == 400 and "Indiquez un montant en euros" in bad.content.decode()
    nameless = agent_client.post(url, {"deceased": str(deceased.pk), "amount_1": "100"})
    assert nameless.status_code == 400 and "Indiquez le nom de l&#x27;aide" in nameless.content.decode()
    stranger = agent_client.post(url, {"deceased": "999999999"})
    assert stranger.status_code == 400 and "Choisissez une des personnes proposées" in stranger.content.decode()
    filed.refresh_from_db()
    assert filed.status == S.SUBMITTED

    done = agent_client.post(
        url,
        {
            "deceased": str(deceased.pk),
            "aid_1": "Aide sociale à l'hébergement",
            "amount_1": "12 400,50",
            "aid_2": "Aide ménagère",
            "amount_2": "0",
        },
    )
    assert done.status_code == 302
    filed.refresh_from_db()
    assert filed.status == S.ACCEPTED and "Aide sociale à l'hébergement : 12\u00a0400,50 €" in filed.decision_reason
    assert filed.history.filter(status=S.ACCEPTED).exists()
    identified = filed.events.get(visible_to_citizen=False)
    assert identified.comment == f"Défunt identifié : fiche usager n° {deceased.pk}" and identified.actor == agent
    espace = notary_client.get(f"/mon-espace/demandes/{filed.tracking_code}/").content.decode()
    assert "12\u00a0400,50 €" in espace and "Office notarial de Vitré" in espace
    # Decided: the screen no longer offers an answer, nor looks anybody up again.
    logged_before = AccessLog.objects.filter(action=AccessLog.Action.CITIZEN_MATCH).count()
    assert "Envoyer la réponse au notaire" not in agent_client.get(url).content.decode()
    assert AccessLog.objects.filter(action=AccessLog.Action.CITIZEN_MATCH).count() == logged_before


def test_a_notary_told_the_person_is_unknown(client, team_a):
    filed, notary_client = _filed(team_a, {"nom_de_naissance_du_defunt": "Inconnue", "prenoms_du_defunt": "X"})
    agent_client = verify_otp(client, instructor(team_a))
    url = reverse("backoffice:request_notary", args=[filed.tracking_code])
    assert agent_client.post(url, {"deceased": "inconnu", "aid_1": "ASH", "amount_1": "100"}).status_code == 302
    filed.refresh_from_db()
    assert filed.status == S.ACCEPTED and "aucune créance" in filed.decision_reason
    # Not a notary's request: no such screen.
    plain, _client = _filed(team_a, {"ecole": "Collège"})
    assert agent_client.get(reverse("backoffice:request_notary", args=[plain.tracking_code])).status_code == 404
