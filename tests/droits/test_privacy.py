"""Personal data of rights estimates (no engine run): the retention rule on the DPO's screen deletes old saved
estimates with their timeline entries, the social file's retention takes consent, situation and non-recours
with it, "Mes données" lists them, and a merge moves them to the survivor."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from dossier_unique.models import TimelineEntry, Visibility
from dossier_unique.timeline import timeline_record
from droits.models import EstimateConsent, NonRecours, RecordedSituation, RightsEstimate
from droits.retention import WITH_SOCIAL_FILE
from grc.services.merge import citizen_merge
from privacy.models import RetentionRule
from privacy.person_data import collect_person_data
from privacy.retention import retention_apply, retention_rules_ensure
from tests.droits.world import person_with_file, record
from tests.factories import CitizenFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def saved(file, agent, team, *, days_ago=0):
    """A saved estimate as ``estimate_save`` writes it (the engine is not what is tested here)."""
    estimate = RightsEstimate.objects.create(
        citizen=file.citizen,
        consent=EstimateConsent.objects.get(citizen=file.citizen, withdrawn_at=None),
        period="2026-05",
        engine="OpenFisca France",
        legislation="barèmes au 01/04/2026",
        results=[{"code": "rsa", "label": "RSA", "monthly_amount": "573.49", "depends_on": [], "note": ""}],
        created_by=agent,
        team=team,
        created_at=timezone.now() - datetime.timedelta(days=days_ago),
    )
    timeline_record(
        citizen_id=file.citizen_id, kind="rights_estimate", title="Estimation des droits (mai 2026)", actor=agent,
        file=file, visibility=Visibility.TEAM, team=team, source=estimate,
    )  # fmt: skip
    return estimate


def test_retention_deletes_old_estimates_and_their_entries(team, agent, dpo):
    file = person_with_file(team, agent)
    record(file, agent)
    old, recent = saved(file, agent, team, days_ago=400), saved(file, agent, team, days_ago=10)
    retention_rules_ensure(actor=dpo)
    rule = RetentionRule.objects.get(purpose="rights_estimate")
    assert rule.duration_months == 12 and rule.export_before_destruction is False
    retention_apply(rule=rule, actor=dpo, dry_run=True)
    assert RightsEstimate.objects.filter(pk=old.pk).exists()
    retention_apply(rule=rule, actor=dpo)
    assert list(RightsEstimate.objects.values_list("pk", flat=True)) == [recent.pk]
    entries = TimelineEntry.objects.filter(kind="rights_estimate", citizen=file.citizen)
    assert list(entries.values_list("source_id", flat=True)) == [str(recent.pk)]


def test_the_social_files_retention_takes_consent_situation_and_non_recours(team, agent):
    file = person_with_file(team, agent)
    record(file, agent)
    saved(file, agent, team)
    NonRecours.objects.create(
        citizen=file.citizen, file=file, benefit="rsa", monthly_amount=Decimal("573.49"), period="2026-05"
    )
    counts = {"rights_estimates_deleted": 0, "rights_consents_deleted": 0, "rights_situations_deleted": 0}
    WITH_SOCIAL_FILE.apply([file.pk], actor=agent, reason="conservation", counts=counts, forget=None)
    assert counts == {"rights_estimates_deleted": 1, "rights_consents_deleted": 1, "rights_situations_deleted": 1}
    for model in (RightsEstimate, EstimateConsent, RecordedSituation, NonRecours):
        assert not model.objects.filter(citizen=file.citizen).exists()
    assert not RecordedSituation.history.filter(citizen_id=file.citizen_id).exists()


def test_mes_donnees_lists_consent_situation_and_estimates(team, agent):
    file = person_with_file(team, agent)
    record(file, agent)
    saved(file, agent, team)
    data, _files = collect_person_data(citizen=file.citizen, audience="citizen")
    section = data["estimation_des_droits"]
    assert section["consentements"][0]["recueilli"] == "Oral, au guichet ou en entretien"
    assert section["situation"]["logement"] == "Locataire" and len(section["situation"]["membres"]) == 1
    assert section["estimations"][0]["resultats"] == [{"prestation": "RSA", "montant_mensuel": "573.49"}]
    assert agent.last_name not in str(section["estimations"][0]["par"])  # designated by team and role


def test_a_merge_moves_estimates_consent_and_situation_to_the_survivor(team, agent):
    file = person_with_file(team, agent)
    record(file, agent)
    estimate = saved(file, agent, team)
    survivor = CitizenFactory()
    manager = MembershipFactory(role="team_manager").user
    citizen_merge(source=file.citizen, target=survivor, actor=manager, reason="doublon")
    estimate.refresh_from_db()
    assert estimate.citizen_id == survivor.pk
    assert EstimateConsent.objects.get(withdrawn_at=None).citizen_id == survivor.pk
    assert RecordedSituation.objects.get().citizen_id == survivor.pk
