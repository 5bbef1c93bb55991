"""Partners keep their places up to date through the annuaire's moderation; the Info sociale team publishes."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from annuaire.models import PendingChange, Representative
from annuaire.services import change_propose, change_publish
from annuaire.staleness import stale_queryset
from mednum.models import Lieu, Service
from mednum.services import lieu_restore, lieu_withdraw
from tests.annuaire.factories import StructureFactory, info_sociale_member
from tests.factories import UserFactory
from tests.mednum.factories import LieuFactory

pytestmark = pytest.mark.django_db


def _representative(structure):
    user = UserFactory()
    Representative.objects.create(
        user=user, structure=structure, siret=structure.siret, status=Representative.Status.VALIDATED
    )
    return user


def test_a_representative_proposal_waits_for_the_info_sociale_team():
    structure = StructureFactory()
    lieu = LieuFactory(structure=structure, updated_at=timezone.now() - datetime.timedelta(days=400))
    partner = _representative(structure)
    change = change_propose(
        user=partner, target=lieu, data={"horaires": "Mo-Fr 09:00-12:00", "nom": lieu.nom, "telephone": ""}
    )
    assert change.data == {"horaires": "Mo-Fr 09:00-12:00"}  # unchanged fields are dropped
    lieu.refresh_from_db()
    assert lieu.horaires != "Mo-Fr 09:00-12:00"
    assert lieu in stale_queryset(Lieu)  # not updated for 12 months: the annuaire's reminders cover it

    change_publish(user=info_sociale_member(), change=change)
    lieu.refresh_from_db()
    assert lieu.horaires == "Mo-Fr 09:00-12:00"
    assert lieu not in stale_queryset(Lieu)
    assert "publiée" in lieu.history.latest().history_change_reason
    assert PendingChange.objects.get(pk=change.pk).status == PendingChange.Status.PUBLISHED


def test_a_bad_proposal_is_refused_field_by_field_in_french_and_nothing_is_kept():
    structure = StructureFactory()
    lieu = LieuFactory(structure=structure)
    partner = _representative(structure)
    with pytest.raises(ValidationError) as exc:
        change_propose(
            user=partner,
            target=lieu,
            data={"horaires": "le matin", "services": ["Cours de cuisine"], "couleur": "bleu"},
        )
    errors = exc.value.message_dict
    assert "format OpenStreetMap" in errors["horaires"][0]
    assert "services" in errors and "Champs inconnus : couleur." in errors["__all__"]
    assert not PendingChange.objects.exists()


def test_someone_else_cannot_propose_and_gets_a_404():
    lieu = LieuFactory(structure=StructureFactory())
    stranger = _representative(StructureFactory(siret="12345678200010"))
    with pytest.raises(Http404):
        change_propose(user=stranger, target=lieu, data={"nom": "Piraté"})


def test_a_new_place_proposed_by_a_partner_appears_once_published():
    structure = StructureFactory()
    partner = _representative(structure)
    data = {
        "structure": structure.pk,
        "nom": "Atelier numérique du Blosne",
        "adresse": "7 boulevard de Yougoslavie",
        "code_postal": "35200",
        "commune": "35238",
        "services": [Service.OUTILS_QUOTIDIEN, Service.ACCES_MATERIEL],
        "horaires": "We 14:00-17:00",
    }
    change = change_propose(user=partner, model=Lieu, data=data)
    assert not Lieu.objects.exists()
    lieu = change_publish(user=info_sociale_member(), change=change)
    assert (lieu.nom, lieu.commune_id, lieu.structure, lieu.published) == (
        "Atelier numérique du Blosne",
        "35238",
        structure,
        True,
    )
    assert lieu.identifier.startswith("lieu-")


def test_only_the_info_sociale_team_withdraws_and_restores_a_place():
    lieu = LieuFactory()
    with pytest.raises(Http404):
        lieu_withdraw(user=UserFactory(staff=True), lieu=lieu, reason="Fermé")
    member = info_sociale_member()
    with pytest.raises(ValidationError):
        lieu_withdraw(user=member, lieu=lieu, reason=" ")
    lieu = lieu_withdraw(user=member, lieu=lieu, reason="Fermé définitivement")
    assert not Lieu.objects.get(pk=lieu.pk).published
    assert lieu.history.latest().history_change_reason == "retiré de la carte : Fermé définitivement"
    assert lieu_restore(user=member, lieu=lieu).published
