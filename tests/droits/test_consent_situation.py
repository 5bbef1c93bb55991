"""Consent and recorded situation on the social file (no engine run here): the consent comes first (service,
database, screen), French errors that lose nothing, history kept, prefill from the household, and 404 for who
may not see the file."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from droits import services
from droits.engine import BENEFITS
from droits.models import BENEFIT_CODES, EstimateConsent, RecordedSituation, RightsEstimate
from grc.models import Household, HouseholdMembership
from tests.droits.world import a_team, agent_of, person_with_file, record, single
from tests.factories import AddressFactory, CitizenFactory, verify_otp

pytestmark = pytest.mark.django_db


@pytest.fixture
def file(team, agent):
    return person_with_file(team, agent, first_names="Camille", birth_name="Rivière")


def test_the_models_benefit_codes_are_the_engines():
    assert set(BENEFIT_CODES) == {b.code for b in BENEFITS}


def test_no_estimate_without_consent_in_the_service(file, agent):
    services.situation_save(actor=agent, file=file, housing_status="locataire", rent_monthly="400", members=single())
    with pytest.raises(ValidationError) as refused:
        services.estimate_compute(actor=agent, file=file)
    assert "consentement" in refused.value.messages[0]
    with pytest.raises(ValidationError):
        services.estimate_save(actor=agent, file=file)
    assert not RightsEstimate.objects.exists()


def test_the_database_refuses_an_estimate_without_consent_and_two_current_consents(file, agent, team):
    with pytest.raises(IntegrityError), transaction.atomic():
        RightsEstimate.objects.create(
            citizen=file.citizen, period="2026-12", engine="x", legislation="x", created_by=agent, team=team
        )
    services.consent_record(actor=agent, file=file, method="ecrit")
    with pytest.raises(IntegrityError), transaction.atomic():
        EstimateConsent.objects.create(citizen=file.citizen, method="oral", recorded_by=agent)
    with pytest.raises(ValidationError, match="déjà enregistré"):
        services.consent_record(actor=agent, file=file, method="oral")


def test_the_screen_says_why_it_does_not_estimate_without_consent(client, file, agent):
    services.situation_save(actor=agent, file=file, housing_status="locataire", rent_monthly="400", members=single())
    verify_otp(client, agent)
    response = client.get(reverse("backoffice:droits_estimate", args=[file.pk]))
    assert response.status_code == 400
    assert "Aucune estimation sans le consentement de la personne" in response.content.decode()


def test_situation_errors_are_french_and_keep_what_was_typed(client, file, agent):
    record(file, agent)
    verify_otp(client, agent)
    url = reverse("backoffice:droits_situation", args=[file.pk])
    data = {
        "members-TOTAL_FORMS": "2",
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "20",
        "members-0-role": "demandeur",
        "members-0-first_name": "Camille",
        "members-0-birth_date": "1985-03-01",
        "members-0-salary_monthly": "-12",
        "members-0-gir": "9",
        "members-1-role": "demandeur",
        "members-1-first_name": "Dominique",
        "members-1-birth_date": "pas une date",
        "housing_status": "locataire",
        "rent_monthly": "452,50",
        "commune": "35238",
    }
    response = client.post(url, data)
    text = response.content.decode()
    assert response.status_code == 400
    assert "Assurez-vous que cette valeur est supérieure ou égale à 0." in text
    assert "Assurez-vous que cette valeur est inférieure ou égale à 6." in text
    assert "Date invalide." in text
    assert 'value="Dominique"' in text and 'value="452,50"' in text  # nothing typed is lost
    assert "Saisissez un nombre." not in text  # a French decimal comma is a number
    # The engine's own checks come back in French once the fields are valid; the saved situation is intact.
    data.update({"members-0-salary_monthly": "1200", "members-0-gir": "", "members-1-birth_date": "1990-01-01"})
    response = client.post(url, data)
    assert response.status_code == 400
    assert "Le foyer ne peut comprendre qu&#x27;un seul demandeur." in response.content.decode()
    situation = RecordedSituation.objects.get(citizen=file.citizen)
    assert situation.rent_monthly == Decimal("450.00") and situation.members.count() == 1


def test_a_saved_situation_keeps_its_history_and_replaces_its_members(file, agent):
    record(file, agent)
    members = [*single(salary_monthly="900"), {"role": "enfant", "birth_date": datetime.date(2015, 6, 1)}]
    situation = services.situation_save(
        actor=agent, file=file, housing_status="locataire", rent_monthly="520", members=members, commune_code="35238"
    )
    assert [m.role for m in situation.members.order_by("position")] == ["demandeur", "enfant"]
    assert situation.history.count() == 2
    assert {h.history_user_id for h in situation.history.all()} == {agent.pk}
    deleted = situation.members.model.history.filter(history_type="-")
    assert deleted.count() == 1 and deleted.get().history_user_id == agent.pk


def test_the_first_recording_is_prefilled_from_the_household_and_address(client, file, agent):
    spouse = CitizenFactory(first_names="Dominique", birth_date=datetime.date(1982, 2, 2))
    household = Household.objects.create(label="Foyer Rivière")
    HouseholdMembership.objects.create(household=household, citizen=file.citizen, role="declarant")
    HouseholdMembership.objects.create(household=household, citizen=spouse, role="conjoint")
    AddressFactory(citizen=file.citizen, postcode="35000", city="Rennes", insee_code="35238")
    verify_otp(client, agent)
    text = client.get(reverse("backoffice:droits_situation", args=[file.pk])).content.decode()
    assert 'value="Dominique"' in text and 'value="1982-02-02"' in text
    assert '<option value="35238" selected>' in text
    assert '<option value="conjoint" selected>' in text
    # The posted household link is kept for the spouse, dropped for a stranger's record.
    stranger = CitizenFactory()
    members = [
        {**single()[0], "citizen": file.citizen.pk},
        {"role": "conjoint", "birth_date": spouse.birth_date, "citizen": spouse.pk},
        {"role": "autre", "birth_date": datetime.date(1990, 1, 1), "citizen": stranger.pk},
    ]
    services.consent_record(actor=agent, file=file, method="oral")
    saved = services.situation_save(
        actor=agent, file=file, housing_status="locataire", rent_monthly="0", members=members
    )
    assert [m.citizen_id for m in saved.members.order_by("position")] == [file.citizen.pk, spouse.pk, None]


def test_the_rights_page_queries_are_pinned(client, file, agent, django_assert_max_num_queries):
    record(file, agent)
    verify_otp(client, agent)
    with django_assert_max_num_queries(22):
        response = client.get(reverse("backoffice:droits_file", args=[file.pk]))
    assert response.status_code == 200 and "Consentement recueilli le" in response.content.decode()


def test_who_may_not_see_the_file_gets_404(client, file, agent):
    outsider = agent_of(a_team("ASE — CDAS Fougères (droits)"))
    record(file, agent)
    verify_otp(client, outsider)
    for name in ("droits_file", "droits_situation", "droits_estimate", "droits_consent_withdraw"):
        assert client.get(reverse(f"backoffice:{name}", args=[file.pk])).status_code == 404
    assert client.post(reverse("backoffice:droits_consent", args=[file.pk]), {"method": "oral"}).status_code == 404
    assert EstimateConsent.objects.filter(citizen=file.citizen).count() == 1
