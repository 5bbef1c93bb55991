"""Personal data of help sessions: retention keeps the row for statistics, Mes données lists them, a merge
moves them, every read of linked sessions is logged, and only the CDAS's staff read them."""

import datetime

import pytest
from django.http import Http404
from django.utils import timezone

from accueil import selectors
from accueil.models import HelpSession
from accueil.services import help_session_record
from dossier_unique.models import TimelineEntry
from grc.audit.models import AccessLog
from grc.services.merge import citizen_merge
from privacy.models import RetentionRule
from privacy.person_data import collect_person_data
from privacy.retention import retention_apply, retention_rules_ensure
from tests.factories import CitizenFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def record(agent, site, citizen=None, **overrides):
    values = {"place_kind": "guichet", "level": "faire_avec", "procedures": ["caf", "mdph"], "outcome": "oriente"}
    values.update(overrides)
    values.setdefault("orientation", "Maison de l'autonomie, avec sa fille Laura")
    return help_session_record(actor=agent, site=site, citizen=citizen, **values)


def test_retention_removes_the_link_and_free_text_but_keeps_the_row(agent, cdas, person, dpo):
    old = record(agent, cdas, person, duration_minutes=20)
    recent = record(agent, cdas, person)
    anonymous = record(agent, cdas)
    HelpSession.objects.filter(pk__in=[old.pk, anonymous.pk]).update(
        held_at=timezone.now() - datetime.timedelta(days=4 * 365)
    )
    retention_rules_ensure(actor=dpo)
    rule = RetentionRule.objects.get(purpose="help_session")
    assert rule.duration_months == 36 and rule.export_before_destruction is False

    dry = retention_apply(rule=rule, actor=dpo, dry_run=True)
    assert dry.counts.get("help_sessions_anonymised", 0) == 0
    assert HelpSession.objects.get(pk=old.pk).citizen_id == person.pk

    retention_apply(rule=rule, actor=dpo)
    old.refresh_from_db()
    assert old.citizen_id is None and old.orientation == "" and old.anonymised_at is not None
    # What the observatory counts is still there.
    assert (old.level, old.procedures, old.commune_id, old.duration_minutes) == (
        "faire_avec",
        ["caf", "mdph"],
        "35360",
        20,
    )
    assert not old.history.exclude(citizen_id=None).exists()
    assert not old.history.exclude(orientation="").exists()
    assert old.history.latest().history_user_id == dpo.pk
    # The timeline entry of the old session went; the recent one stays linked with its entry.
    entries = TimelineEntry.objects.filter(citizen=person, kind="help_session")
    assert list(entries.values_list("source_id", flat=True)) == [str(recent.pk)]
    assert HelpSession.objects.get(pk=recent.pk).citizen_id == person.pk
    assert HelpSession.objects.count() == 3


def test_mes_donnees_lists_the_persons_sessions(agent, cdas, person):
    record(agent, cdas, person, level="substitution", consent_at=timezone.now(), procedures=["ants"])
    record(agent, cdas)  # anonymous: not theirs
    data, _files = collect_person_data(citizen=person, audience="citizen")
    sessions = data["aide_numerique"]
    assert len(sessions) == 1
    assert sessions[0]["niveau_d_aide"] == "Substitution (faire pour)"
    assert sessions[0]["demarches"] == ["ANTS (titres, permis, carte grise)"]
    assert sessions[0]["lieu"] == "CDAS Vitré (test)"
    assert sessions[0]["consentement_a_la_substitution_le"] is not None
    assert agent.last_name not in str(sessions[0]["aide_par"])  # a professional is designated by team and role


def test_a_merge_moves_the_sessions_and_undo_brings_them_back(agent, cdas, person, functional_admin):
    duplicate = CitizenFactory(birth_name="Lemoine", first_names="Josianne")
    session = record(agent, cdas, duplicate)
    manager = MembershipFactory(role="team_manager").user
    citizen_merge(source=duplicate, target=person, actor=manager, reason="doublon")
    session.refresh_from_db()
    assert session.citizen_id == person.pk
    assert session.history.latest().history_user_id == manager.pk


def test_reads_are_limited_to_the_cdas_and_logged(agent, colleague, outsider, functional_admin, cdas, person):
    mine = record(agent, cdas, person)
    assert [s.pk for s in selectors.help_sessions_of_citizen(user=colleague, citizen=person)] == [mine.pk]
    assert [s.pk for s in selectors.help_sessions_of_citizen(user=functional_admin, citizen=person)] == [mine.pk]
    assert selectors.help_sessions_of_citizen(user=outsider, citizen=person) == []
    logged = AccessLog.objects.filter(action=AccessLog.Action.HELP_SESSION_VIEW, citizen=person)
    assert logged.count() == 3
    assert set(logged.values_list("actor_id", flat=True)) == {colleague.pk, functional_admin.pk, outsider.pk}
    with pytest.raises(Http404):
        selectors.help_sessions_of_citizen(user=UserFactory(citizen_account=True), citizen=person)


def test_recent_list_logs_linked_reads_without_naming(agent, cdas, person, django_assert_max_num_queries):
    record(agent, cdas, person)
    record(agent, cdas)
    with django_assert_max_num_queries(3):
        recent = selectors.help_sessions_recent(user=agent, site=cdas)
    assert len(recent) == 2
    row = AccessLog.objects.get(action=AccessLog.Action.HELP_SESSION_VIEW, actor=agent)
    assert row.citizen_id is None and row.purpose == "séances du jour : 1 usager(s)"
