"""Editing through the pages: a partner's proposal on the portal, the Info sociale team's screen in the back office."""

import pytest
from django.urls import reverse

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
