"""Recording a help session: the rules an agent at the counter notices (errors in French, nothing saved)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accueil.models import HelpSession
from accueil.services import help_session_record
from dossier_unique.models import TimelineEntry
from grc.models import Commune
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db


def record(actor, site, **overrides):
    values = {
        "actor": actor,
        "site": site,
        "place_kind": HelpSession.PlaceKind.GUICHET,
        "level": HelpSession.Level.ACCOMPAGNEMENT,
        "procedures": ["caf"],
        "outcome": HelpSession.Outcome.ABOUTI,
    }
    values.update(overrides)
    return help_session_record(**values)


def errors_of(excinfo):
    return excinfo.value.message_dict


def test_anonymous_session_is_saved_with_history_and_no_timeline(agent, cdas):
    vitre = Commune.objects.get(code="35360")
    session = record(agent, cdas, procedures=["ameli", "caf", "caf"], commune=vitre, duration_minutes=15)

    session.refresh_from_db()
    assert session.citizen_id is None
    assert session.procedures == ["caf", "ameli"]  # de-duplicated, in the list's order
    assert session.commune_id == "35360"
    assert session.duration_minutes == 15
    history = session.history.get()
    assert history.history_user_id == agent.pk
    assert history.history_change_reason == "séance d'aide numérique enregistrée"
    assert not TimelineEntry.objects.filter(source_type="accueil.helpsession").exists()


def test_linked_session_goes_on_the_timeline_and_takes_the_commune_of_the_address(agent, cdas, person):
    session = record(agent, cdas, citizen=person, procedures=["mdph"])

    assert session.commune_id == "35360"
    entry = TimelineEntry.objects.get(citizen=person, kind=TimelineEntry.Kind.HELP_SESSION)
    assert entry.source_type == "accueil.helpsession" and entry.source_id == str(session.pk)
    assert entry.title == "Aide aux démarches en ligne — Accompagnement (CDAS Vitré (test))"
    assert "MDPH" not in entry.title  # the procedure stays in the session, under its own rules
    assert entry.author_id == agent.pk


def test_a_session_recorded_afterwards_is_dated_on_the_timeline_when_it_happened(agent, cdas, person):
    earlier = timezone.now() - datetime.timedelta(days=3)
    record(agent, cdas, citizen=person, held_at=earlier)
    entry = TimelineEntry.objects.get(citizen=person, kind=TimelineEntry.Kind.HELP_SESSION)
    assert abs(entry.occurred_at - earlier) < datetime.timedelta(seconds=1)


def test_substitution_without_consent_is_refused_in_french_and_nothing_is_saved(agent, cdas, person):
    with pytest.raises(ValidationError) as excinfo:
        record(agent, cdas, citizen=person, level=HelpSession.Level.SUBSTITUTION)
    assert errors_of(excinfo) == {
        "consent": ["Faire la démarche à la place de la personne demande son consentement : cochez-le."]
    }
    assert not HelpSession.objects.exists()
    assert not TimelineEntry.objects.filter(citizen=person).exists()


def test_substitution_with_consent_is_saved(agent, cdas):
    consent = timezone.now()
    session = record(agent, cdas, level=HelpSession.Level.SUBSTITUTION, consent_at=consent)
    assert session.consent_recorded_at == consent


def test_the_database_refuses_substitution_without_consent_even_past_the_service(agent, cdas):
    with pytest.raises(IntegrityError, match="substitution_help_has_consent"), transaction.atomic():
        HelpSession.objects.create(
            agent=agent, site=cdas, place_kind="guichet", level="substitution", procedures=["caf"], outcome="abouti"
        )


@pytest.mark.parametrize("procedures", [[], ["caf", "bitcoin"]])
def test_the_database_refuses_no_procedure_or_an_unknown_one(agent, cdas, procedures):
    with pytest.raises(IntegrityError, match="help_session_procedures_known"), transaction.atomic():
        HelpSession.objects.create(
            agent=agent, site=cdas, place_kind="guichet", level="faire_avec", procedures=procedures, outcome="abouti"
        )


def test_every_bad_field_is_named_at_once(agent, cdas):
    with pytest.raises(ValidationError) as excinfo:
        record(
            agent,
            cdas,
            place_kind="cuisine",
            level="tout",
            procedures=[],
            outcome="",
            duration_minutes=0,
            held_at=timezone.now() + datetime.timedelta(hours=2),
        )
    assert errors_of(excinfo) == {
        "place_kind": ["Choisissez le cadre de la séance."],
        "level": ["Choisissez le niveau d'aide."],
        "outcome": ["Choisissez le résultat."],
        "procedures": ["Cochez au moins une démarche."],
        "duration_minutes": ["La durée est un nombre de minutes entre 1 et 480."],
        "held_at": ["La séance ne peut pas être datée dans le futur."],
    }


def test_unknown_procedure_too_long_a_session_and_an_old_date_are_refused(agent, cdas):
    with pytest.raises(ValidationError) as excinfo:
        record(
            agent,
            cdas,
            procedures=["caf", "<script>"],
            duration_minutes=481,
            held_at=timezone.now() - datetime.timedelta(days=40),
        )
    assert errors_of(excinfo) == {
        "procedures": ["Choisissez les démarches dans la liste."],
        "duration_minutes": ["La durée est un nombre de minutes entre 1 et 480."],
        "held_at": ["Une séance s'enregistre au plus tard 31 jours après."],
    }


def test_oriented_needs_where_to_and_orientation_is_bounded(agent, cdas):
    with pytest.raises(ValidationError) as excinfo:
        record(agent, cdas, outcome=HelpSession.Outcome.ORIENTE, orientation="   ")
    assert errors_of(excinfo) == {"orientation": ["Indiquez vers quel lieu ou service la personne est orientée."]}
    with pytest.raises(ValidationError) as excinfo:
        record(agent, cdas, orientation="x" * 301)
    assert errors_of(excinfo) == {"orientation": ["L'orientation tient en 300 caractères au plus."]}
    session = record(agent, cdas, outcome="oriente", orientation="  France Services\n de Vitré ")
    assert session.orientation == "France Services de Vitré"


def test_a_merged_record_is_refused(agent, cdas, person):
    merged = CitizenFactory(status="merged", merged_into=person)
    with pytest.raises(ValidationError) as excinfo:
        record(agent, cdas, citizen=merged)
    assert "citizen" in errors_of(excinfo)


def test_only_at_a_site_where_the_agent_works(agent, outsider, mailroom_agent, functional_admin, cdas, other_cdas):
    with pytest.raises(PermissionDenied):
        record(agent, other_cdas)
    with pytest.raises(PermissionDenied):
        record(outsider, cdas)
    with pytest.raises(PermissionDenied):
        record(mailroom_agent, cdas)
    assert record(functional_admin, other_cdas).site == other_cdas
    assert HelpSession.objects.count() == 1
