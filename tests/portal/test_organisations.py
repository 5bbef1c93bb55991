"""Structures as applicants: SIRET / RNA checked, members and roles, requests filed for a structure and seen
by its members only (Mon espace), the annuaire's structure found by SIRET."""

import pytest
from django.test import Client

from demandes.identifiers import siret_is_valid
from demandes.models import Organisation, OrganisationMember, Request
from grc.audit.models import AccessLog
from grc.models import Citizen
from tests.factories import CitizenFactory, UserFactory

from .conftest import make_procedure

pytestmark = pytest.mark.django_db

SIRET = "73282932000074"
FIELDS = [
    ("Intitulé du projet", "singleline", True, "", "", 10),
    ("Montant demandé", "number", True, "", "", 10),
    ("SIRET de la structure", "singleline", False, "", "", 10),
]


def _account():
    user = UserFactory(citizen_account=True)
    CitizenFactory(user=user, assurance_level=Citizen.Assurance.EMAIL_VERIFIED)
    client = Client()
    client.force_login(user)
    return user, client


def test_siret_checksum_la_poste_and_rna():
    assert siret_is_valid(SIRET) and siret_is_valid("35600000049837")
    assert not siret_is_valid("73282932000075") and not siret_is_valid("7328293200007")
    assert not siret_is_valid("35600000049838")


def test_a_structure_is_created_with_checked_identifiers_and_members_are_managed(home):
    admin, admin_client = _account()
    member, member_client = _account()
    url = "/mon-espace/structures/"
    refused = admin_client.post(url, {"name": "Les Tombées", "kind": "association", "siret": "732 829 320 00075"})
    assert refused.status_code == 200 and "Numéro SIRET invalide" in refused.content.decode()
    refused = admin_client.post(url, {"name": "Les Tombées", "kind": "association", "rna": "W12"})
    assert "Numéro RNA invalide" in refused.content.decode()
    nothing = admin_client.post(url, {"name": "Les Tombées", "kind": "association"})
    assert "Indiquez le SIRET de la structure" in nothing.content.decode()
    assert not Organisation.objects.exists()

    created = admin_client.post(url, {"name": "Les Tombées", "kind": "association", "siret": "732 829 320 00074"})
    organisation = Organisation.objects.get()
    assert created["Location"] == f"/mon-espace/structures/{organisation.pk}/" and organisation.siret == SIRET
    assert organisation.history.count() == 1
    # The same SIRET twice: one structure, its administrator adds people.
    again = member_client.post(url, {"name": "Autre nom", "kind": "association", "siret": SIRET})
    assert "déjà un espace" in again.content.decode() and Organisation.objects.count() == 1
    assert member_client.get(f"/mon-espace/structures/{organisation.pk}/").status_code == 404

    detail = f"/mon-espace/structures/{organisation.pk}/"
    unknown = admin_client.post(detail, {"email": "personne@example.org", "role": "member"})
    assert "Aucun compte usager n&#x27;utilise cette adresse" in unknown.content.decode()
    assert admin_client.post(detail, {"email": member.email.upper(), "role": "member"}).status_code == 302
    page = member_client.get(detail).content.decode()
    assert "Les Tombées" in page and "Ajouter un membre" not in page  # a member does not manage members
    assert member_client.post(detail, {"email": admin.email, "role": "member"}).status_code == 200
    assert OrganisationMember.objects.get(user=admin).role == "admin"

    # The last administrator cannot leave; a member can.
    admin_row = OrganisationMember.objects.get(user=admin)
    admin_client.post(f"{detail}membres/{admin_row.pk}/retirer/")
    assert OrganisationMember.objects.filter(user=admin).exists()
    member_row = OrganisationMember.objects.get(user=member)
    member_client.post(f"{detail}membres/{member_row.pk}/retirer/")
    assert not OrganisationMember.objects.filter(user=member).exists()


def test_a_request_filed_for_a_structure_is_seen_by_its_members_only(catalogue, destination_team):
    page = make_procedure(
        catalogue, slug="fapa", title="Fonds d'appui aux associations", fields=FIELDS, team=destination_team
    )
    page.applicants = page.Applicants.ORGANISATION
    page.save()
    siret_field = page.form_fields.get(label="SIRET de la structure")
    siret_field.prefill = "organisation_siret"
    siret_field.save()
    filer, filer_client = _account()
    colleague, colleague_client = _account()
    outsider, outsider_client = _account()
    organisation = Organisation.objects.create(name="Les Tombées", kind="association", siret=SIRET)
    OrganisationMember.objects.create(organisation=organisation, user=filer, role="admin")
    OrganisationMember.objects.create(organisation=organisation, user=colleague, role="member")

    form = filer_client.get(page.url).content.decode()
    assert f'value="{organisation.pk}" selected' in form and f'value="{SIRET}"' in form
    answers = {"intitule_du_projet": "Festival", "montant_demande": "8000", "action": "review"}
    missing = filer_client.post(page.url, {**answers, "acting_for": ""})
    assert "Choisissez la structure pour laquelle vous déposez" in missing.content.decode()
    forged = filer_client.post(page.url, {**answers, "acting_for": "999999"})
    assert "Choisissez la structure" in forged.content.decode()
    review = filer_client.post(page.url, {**answers, "acting_for": str(organisation.pk)})
    assert review.status_code == 302
    assert "pour la structure « Les Tombées »" in filer_client.get(review["Location"]).content.decode()
    filer_client.post(review["Location"])
    filed = Request.objects.get(account=filer)
    assert filed.status == Request.Status.SUBMITTED and filed.organisation_id == organisation.pk

    seen = colleague_client.get("/mon-espace/").content.decode()
    assert filed.tracking_code in seen and "pour Les Tombées" in seen
    assert colleague_client.get(f"/mon-espace/demandes/{filed.tracking_code}/").status_code == 200
    # A member reading another member's request: logged as a read of someone else's request, not a self view.
    read = AccessLog.objects.filter(actor=colleague, object_id=str(filed.pk)).latest("pk")
    assert read.action == AccessLog.Action.REQUEST_VIEW and read.purpose == f"membre de la structure {organisation.pk}"
    filer_client.get(f"/mon-espace/demandes/{filed.tracking_code}/")
    own = AccessLog.objects.filter(actor=filer, object_id=str(filed.pk)).latest("pk")
    assert own.action == AccessLog.Action.CITIZEN_SELF_VIEW
    assert filed.tracking_code not in outsider_client.get("/mon-espace/").content.decode()
    assert outsider_client.get(f"/mon-espace/demandes/{filed.tracking_code}/").status_code == 404


def test_mon_espace_query_count_does_not_grow_with_the_structure_requests(home, django_assert_max_num_queries):
    from django.utils import timezone

    filer, _filer_client = _account()
    member, member_client = _account()
    organisation = Organisation.objects.create(name="Les Tombées", kind="association", siret=SIRET)
    OrganisationMember.objects.create(organisation=organisation, user=member, role="member")

    def file(count, start):
        for i in range(start, start + count):
            Request.objects.create(
                tracking_code=f"D-2026-ORG{i:03d}",
                procedure_title="Fonds d'appui aux associations",
                account=filer,
                organisation=organisation,
                status=Request.Status.SUBMITTED,
                submitted_at=timezone.now(),
            )

    file(2, 0)
    member_client.get("/mon-espace/")
    with django_assert_max_num_queries(30) as few:
        assert "D-2026-ORG001" in member_client.get("/mon-espace/").content.decode()
    file(6, 2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = member_client.get("/mon-espace/").content.decode()
    assert page.count("pour Les Tombées") == 8
