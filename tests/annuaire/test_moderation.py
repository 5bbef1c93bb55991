"""Representatives (claims by SIRET) and the moderation of proposed changes (annuaire.services)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from annuaire import services
from annuaire.models import PendingChange, Representative, Service, Structure, siret_is_valid
from annuaire.moderation import register_moderated
from tests.factories import UserFactory

from .factories import ServiceFactory, StructureFactory, info_sociale_member

pytestmark = pytest.mark.django_db


def test_siret_checksum():
    assert siret_is_valid("22350001800013")  # the Département d'Ille-et-Vilaine
    assert not siret_is_valid("22350001800014")  # one digit off
    assert not siret_is_valid("2235000180001")
    assert not siret_is_valid("2235000180001A")
    # La Poste's establishments: the digits sum to a multiple of 5, whatever Luhn says.
    assert siret_is_valid("35600000000010") and not siret_is_valid("35600000000011")


def _validated_representative(structure):
    user = UserFactory(citizen_account=True)
    claim = services.structure_claim(user=user, structure=structure, siret=structure.siret)
    services.representative_validate(user=info_sociale_member(), representative=claim)
    return user


def test_claim_needs_the_structures_own_valid_siret():
    structure = StructureFactory(siret="12345678200010")
    user = UserFactory(citizen_account=True)
    with pytest.raises(ValidationError) as bad_checksum:
        services.structure_claim(user=user, structure=structure, siret="12345678200011")
    assert "SIRET invalide" in str(bad_checksum.value)
    with pytest.raises(ValidationError) as other:
        services.structure_claim(user=user, structure=structure, siret="22350001800013")
    assert "pas celui de la structure" in str(other.value)
    claim = services.structure_claim(user=user, structure=structure, siret="123 456 782 00010")
    assert claim.status == Representative.Status.PENDING
    with pytest.raises(ValidationError):
        services.structure_claim(user=user, structure=structure, siret="12345678200010")


def test_pending_claim_gives_no_right_until_the_team_validates():
    structure = StructureFactory()
    user = UserFactory(citizen_account=True)
    claim = services.structure_claim(user=user, structure=structure, siret=structure.siret)
    with pytest.raises(Http404):
        services.change_propose(user=user, target=structure, data={"telephone": "0299000000"})
    with pytest.raises(Http404):  # a claimant cannot validate claims
        services.representative_validate(user=user, representative=claim)
    services.representative_validate(user=info_sociale_member(), representative=claim)
    change = services.change_propose(user=user, target=structure, data={"telephone": "0299000000"})
    assert change.status == PendingChange.Status.PENDING


def test_refused_claim_keeps_the_reason():
    structure = StructureFactory()
    claim = services.structure_claim(
        user=UserFactory(citizen_account=True), structure=structure, siret=structure.siret
    )
    moderator = info_sociale_member()
    with pytest.raises(ValidationError):
        services.representative_refuse(user=moderator, representative=claim, reason=" ")
    services.representative_refuse(user=moderator, representative=claim, reason="Personne inconnue de la structure")
    claim.refresh_from_db()
    assert claim.status == Representative.Status.REFUSED and claim.validated_by == moderator
    assert claim.history.count() == 2


def test_claimant_is_emailed_the_decision_with_the_structure_name_only(django_capture_on_commit_callbacks, mailoutbox):
    structure = StructureFactory(nom="CCAS de Vitré")
    claimant = UserFactory(citizen_account=True, email="lea.martin@example.org", first_name="Léa")
    moderator = info_sociale_member()
    claim = services.structure_claim(user=claimant, structure=structure, siret=structure.siret)
    with django_capture_on_commit_callbacks(execute=True):
        services.representative_validate(user=moderator, representative=claim)
    assert len(mailoutbox) == 1
    sent = mailoutbox[0]
    assert sent.to == ["lea.martin@example.org"] and "« CCAS de Vitré »" in sent.subject
    assert "vous représentez désormais « CCAS de Vitré »" in sent.body and "/annuaire/mes-structures/" in sent.body
    # Nothing about the people: neither the claimant's name nor the moderator's.
    assert "Léa" not in sent.body and moderator.last_name not in sent.body

    second = UserFactory(citizen_account=True)
    other = services.structure_claim(user=second, structure=structure, siret=structure.siret)
    with django_capture_on_commit_callbacks(execute=True):
        services.representative_refuse(user=moderator, representative=other, reason="Inconnue de la direction")
    refusal = mailoutbox[1]
    assert "n'a pas pu valider votre demande de représenter « CCAS de Vitré »" in refusal.body
    assert "Inconnue de la direction" not in refusal.body  # the reason is read on the portal, logged in


def test_representative_withdraws_with_history_and_may_claim_again():
    structure = StructureFactory()
    user = UserFactory(citizen_account=True)
    claim = services.structure_claim(user=user, structure=structure, siret=structure.siret)
    services.representative_validate(user=info_sociale_member(), representative=claim)
    with pytest.raises(Http404):  # someone else's claim
        services.representative_withdraw(user=UserFactory(citizen_account=True), representative=claim)
    services.representative_withdraw(user=user, representative=claim)
    claim.refresh_from_db()
    assert claim.status == Representative.Status.WITHDRAWN
    assert [h.history_change_reason for h in claim.history.order_by("history_date")][-1] == "retrait du représentant"
    with pytest.raises(Http404):  # no right left on the structure
        services.change_propose(user=user, target=structure, data={"telephone": "0299000000"})
    with pytest.raises(ValidationError, match="n'est plus en cours"):
        services.representative_withdraw(user=user, representative=claim)
    again = services.structure_claim(user=user, structure=structure, siret=structure.siret)
    assert again.status == Representative.Status.PENDING


def test_change_waits_then_publishes_with_history():
    structure = StructureFactory(telephone="0299111111", updated_at=timezone.now() - datetime.timedelta(days=400))
    user = _validated_representative(structure)
    change = services.change_propose(
        user=user, target=structure, data={"telephone": "0299222222", "nom": structure.nom}
    )
    assert change.data == {"telephone": "0299222222"}  # unchanged fields are not proposed
    structure.refresh_from_db()
    assert structure.telephone == "0299111111"  # nothing published yet

    moderator = info_sociale_member()
    with pytest.raises(Http404):  # the representative does not publish their own change
        services.change_publish(user=user, change=change)
    services.change_publish(user=moderator, change=change)
    structure.refresh_from_db()
    assert structure.telephone == "0299222222"
    assert structure.date_maj == timezone.localdate()
    assert timezone.now() - structure.updated_at < datetime.timedelta(minutes=1)
    previous = structure.history.all()[1]
    assert previous.telephone == "0299111111"
    assert structure.history.first().history_user == moderator
    change.refresh_from_db()
    assert change.status == PendingChange.Status.PUBLISHED and change.reviewer == moderator
    with pytest.raises(ValidationError):  # published once
        services.change_publish(user=moderator, change=change)


def test_rejected_change_leaves_the_record():
    service = ServiceFactory()
    user = _validated_representative(service.structure)
    change = services.change_propose(user=user, target=service, data={"frais": "payant"})
    services.change_reject(user=info_sociale_member(), change=change, reason="Le service reste gratuit.")
    service.refresh_from_db()
    change.refresh_from_db()
    assert service.frais == "gratuit"
    assert change.status == PendingChange.Status.REJECTED and change.reason == "Le service reste gratuit."


def test_invalid_proposal_is_refused_field_by_field_in_french():
    service = ServiceFactory()
    user = _validated_representative(service.structure)
    with pytest.raises(ValidationError) as caught:
        services.change_propose(
            user=user,
            target=service,
            data={
                "thematiques": ["sante--inexistante"],
                "publics": ["tous-publics", "femmes"],
                "courriel": "pas-un-courriel",
                "horaires_accueil": "du lundi au vendredi",
            },
        )
    errors = caught.value.message_dict
    assert set(errors) >= {"thematiques", "courriel", "horaires_accueil"}
    assert "horaires illisibles" in errors["horaires_accueil"][0]
    with pytest.raises(ValidationError) as schema_rule:
        services.change_propose(user=user, target=service, data={"publics": ["tous-publics", "femmes"]})
    assert "tous-publics" in schema_rule.value.message_dict["publics"][0]
    with pytest.raises(ValidationError):  # a proposal that changes nothing
        services.change_propose(user=user, target=service, data={"frais": "gratuit"})
    assert PendingChange.objects.count() == 0


def test_new_service_proposal_creates_a_stable_cd35_record():
    structure = StructureFactory()
    user = _validated_representative(structure)
    data = {
        "structure": structure.pk,
        "nom": "Permanence logement",
        "description": "Conseils pour se maintenir dans son logement et accéder aux aides.",
        "thematiques": ["logement-hebergement--se-maintenir-dans-le-logement"],
        "publics": ["tous-publics"],
    }
    change = services.change_propose(user=user, model=Service, data=data)
    assert change.object_id is None
    created = services.change_publish(user=info_sociale_member(), change=change)
    assert created.structure == structure and created.di_id.startswith("cd35--")
    change.refresh_from_db()
    assert change.object_id == created.pk
    stranger = UserFactory(citizen_account=True)
    with pytest.raises(Http404):  # a new service of a structure one does not represent
        services.change_propose(user=stranger, model=Service, data={**data, "nom": "Autre permanence"})


def test_registry_refuses_unknown_fields():
    with pytest.raises(ValueError):
        register_moderated(Structure, fields=("nom", "pas_un_champ"), validate=lambda data, target: data)
