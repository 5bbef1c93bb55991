"""Editing through the pages: a partner's proposal on the portal, the Info sociale team's screen in the back office."""

import html

import pytest
from django.urls import reverse

from annuaire import services as annuaire_services
from annuaire.models import PendingChange, Representative
from mednum.models import Lieu, Service
from tests.annuaire.factories import StructureFactory, info_sociale_member
from tests.factories import UserFactory, verify_otp
from tests.mednum.factories import LieuFactory

pytestmark = pytest.mark.django_db


def _partner(structure):
    user = UserFactory(citizen_account=True)
    Representative.objects.create(
        user=user, structure=structure, siret=structure.siret, status=Representative.Status.VALIDATED
    )
    return user


def test_a_partner_proposes_an_update_on_the_portal_and_nothing_changes_before_moderation(client):
    structure = StructureFactory()
    lieu = LieuFactory(structure=structure)
    client.force_login(_partner(structure))
    page = client.get(f"/lieux/{lieu.pk}/")
    assert reverse("lieux:propose", args=[lieu.pk]) in page.content.decode()
    form = client.get(reverse("lieux:propose", args=[lieu.pk]))
    assert form.status_code == 200 and form.context["form"].initial["nom"] == lieu.nom
    data = {
        "nom": lieu.nom,
        "adresse": lieu.adresse,
        "code_postal": lieu.code_postal,
        "commune": lieu.commune_id,
        "horaires": "lundi matin",
        "services": [Service.DEMARCHES],
        "frais_a_charge": ["Gratuit"],
    }
    refused = client.post(reverse("lieux:propose", args=[lieu.pk]), data)
    assert refused.status_code == 200 and "format OpenStreetMap" in refused.content.decode()
    assert not PendingChange.objects.exists()
    sent = client.post(reverse("lieux:propose", args=[lieu.pk]), {**data, "horaires": "Mo 09:00-12:00"})
    assert sent.status_code == 302
    change = PendingChange.objects.get()
    assert change.data["horaires"] == "Mo 09:00-12:00" and change.author.pk == int(client.session["_auth_user_id"])
    assert Lieu.objects.get(pk=lieu.pk).horaires == lieu.horaires


def test_the_partner_form_keeps_every_field_of_the_standard_with_french_errors(client):
    structure = StructureFactory()
    lieu = LieuFactory(structure=structure, courriels=["accueil@mairie.example.fr"], typologie=["MUNI"])
    client.force_login(_partner(structure))
    url = reverse("lieux:propose", args=[lieu.pk])
    page = client.get(url).content.decode()
    for label in ("Typologie", "Modalités d&#x27;accompagnement", "Itinérance", "Prise en charge spécifique",
                  "Dispositifs et programmes nationaux", "Formations et labels", "Fiche Accès libre"):  # fmt: skip
        assert label in page, label
    assert 'value="accueil@mairie.example.fr"' in page or "accueil@mairie.example.fr</textarea>" in page
    data = {
        "nom": lieu.nom, "adresse": lieu.adresse, "code_postal": lieu.code_postal, "commune": lieu.commune_id,
        "services": [Service.DEMARCHES], "typologie": ["Mairie"],
        "courriels": "accueil@mairie.example.fr, pas-un-mail", "site_web": "https://mairie.example.fr",
        "telephone": "02 99 00 00 00", "horaires": "Mo-Fr 09:00-12:00; PH fermé",
        "pivot": "123",
    }  # fmt: skip
    refused = client.post(url, data)
    text = html.unescape(refused.content.decode())
    assert refused.status_code == 200 and not PendingChange.objects.exists()
    assert "Sélectionnez un choix valide. Mairie n’en fait pas partie." in text  # the enumeration, not free text
    assert "Adresse(s) électronique(s) invalide(s) : pas-un-mail." in text
    assert "Téléphone au format international" in text and "format OpenStreetMap" in text
    assert "Le pivot est un SIRET (14 chiffres) ou un numéro RNA" in text
    good = {
        **data, "typologie": ["MUNI", "EPN"], "courriels": "accueil@mairie.example.fr\nmediation@mairie.example.fr",
        "telephone": "+33299000000", "horaires": "Mo-Fr 09:00-12:00; PH off", "pivot": "21350238000010",
        "itinerance": ["Fixe"], "modalites_accompagnement": ["Accompagnement individuel", "Dans un atelier collectif"],
        "modalites_acces": ["Se présenter"], "prise_en_charge_specifique": ["Surdité"],
        "dispositif_programmes_nationaux": ["Conseillers numériques"], "formations_labels": [],
        "autres_formations_labels": "Pass numérique", "prise_rdv": "https://rdv.example.fr/mediation",
        "presentation_detail": "Ateliers le mardi.", "latitude": "48.11", "longitude": "-1.68",
    }  # fmt: skip
    assert client.post(url, good).status_code == 302
    change = PendingChange.objects.get()
    assert change.data["typologie"] == ["MUNI", "EPN"]
    assert change.data["courriels"] == ["accueil@mairie.example.fr", "mediation@mairie.example.fr"]
    assert change.data["modalites_accompagnement"] == ["Accompagnement individuel", "Dans un atelier collectif"]
    assert "nom" not in change.data  # unchanged fields are not proposed
    annuaire_services.change_publish(user=info_sociale_member(), change=change)
    lieu.refresh_from_db()
    assert lieu.itinerance == ["Fixe"] and lieu.autres_formations_labels == ["Pass numérique"]
    assert lieu.horaires == "Mo-Fr 09:00-12:00; PH off" and lieu.pivot == "21350238000010"


def test_the_proposal_page_is_a_404_for_others(client):
    lieu = LieuFactory(structure=StructureFactory())
    assert client.get(reverse("lieux:propose", args=[lieu.pk])).status_code in (302, 404)  # anonymous: log in
    client.force_login(UserFactory(citizen_account=True))
    assert client.get(reverse("lieux:propose", args=[lieu.pk])).status_code == 404
    assert "proposer" not in client.get(f"/lieux/{lieu.pk}/").content.decode()


def test_info_sociale_withdraws_a_place_in_the_back_office_and_others_get_404(client):
    lieu = LieuFactory()
    verify_otp(client, UserFactory(staff=True))
    assert client.get(reverse("backoffice:lieu_list")).status_code == 404
    assert client.get(reverse("backoffice:lieu_detail", args=[lieu.pk])).status_code == 404
    verify_otp(client, info_sociale_member())
    listing = client.get(reverse("backoffice:lieu_list"), {"status": "published"})
    assert lieu.nom in listing.content.decode()
    empty = client.post(reverse("backoffice:lieu_detail", args=[lieu.pk]), {"reason": ""})
    assert empty.status_code == 200 and "Champ requis." in empty.content.decode()
    done = client.post(reverse("backoffice:lieu_detail", args=[lieu.pk]), {"reason": "Doublon"})
    assert done.status_code == 302 and not Lieu.objects.get(pk=lieu.pk).published
    assert client.get(f"/lieux/{lieu.pk}/").status_code == 404
    withdrawn = client.get(reverse("backoffice:lieu_list"), {"status": "withdrawn"})
    assert lieu.nom in withdrawn.content.decode()
    client.post(reverse("backoffice:lieu_restore", args=[lieu.pk]))
    assert Lieu.objects.get(pk=lieu.pk).published
