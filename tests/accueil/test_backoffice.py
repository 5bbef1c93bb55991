"""The quick form in the back office: record in one POST, search a citizen without losing the ticks,
French errors without losing what was typed, 404 for whoever does not record there."""

import re

import pytest
from django.urls import reverse

from accueil.models import HelpSession
from dossier_unique.models import TimelineEntry
from grc.audit.models import AccessLog
from tests.dossier_unique.factories import open_file
from tests.factories import verify_otp

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent_client(client, agent):
    return verify_otp(client, agent)


def form_url(site):
    return reverse("backoffice:help_session_record", args=[site.pk])


BASE = {
    "action": "record",
    "level": "accompagnement",
    "procedures": ["caf"],
    "outcome": "abouti",
    "place_kind": "guichet",
}


def test_start_goes_to_the_agents_site_and_keeps_the_citizen(agent_client, cdas, person):
    response = agent_client.get(reverse("backoffice:help_session_start") + f"?usager={person.pk}")
    assert response.status_code == 302
    assert response["Location"] == form_url(cdas) + f"?usager={person.pk}"


def test_record_an_anonymous_session_in_one_post(agent_client, agent, cdas, django_assert_max_num_queries):
    data = {**BASE, "procedures": ["caf", "ants"], "place_kind": "permanence", "commune": "35360"}
    data["duration_minutes"] = "15"
    response = agent_client.post(form_url(cdas), data)
    assert response.status_code == 302 and response["Location"] == form_url(cdas)
    session = HelpSession.objects.get()
    assert (session.agent, session.site, session.place_kind) == (agent, cdas, "permanence")
    assert session.procedures == ["caf", "ants"] and session.commune_id == "35360"
    assert session.duration_minutes == 15 and session.citizen_id is None

    with django_assert_max_num_queries(20):
        page = agent_client.get(form_url(cdas))
    text = page.content.decode()
    assert "Séance enregistrée." in text
    assert "CAF, ANTS (titres, permis, carte grise)" in text  # today's list
    # The place kind used last is pre-selected for the next person (a permanence goes on).
    assert re.search(r'value="permanence"[^>]*checked', text)
    assert not re.search(r'value="guichet"[^>]*checked', text)


def test_search_a_citizen_keeps_the_ticks_then_record_linked(agent_client, agent, cdas, person):
    data = {**BASE, "action": "search", "q": "lemoine josiane", "procedures": ["ameli", "impots"]}
    response = agent_client.post(form_url(cdas), data)
    assert response.status_code == 200
    text = response.content.decode()
    assert "LEMOINE Josiane" in text
    assert re.search(r'value="ameli"[^>]*checked', text) and re.search(r'value="impots"[^>]*checked', text)
    assert not re.search(r'value="caf"[^>]*checked', text)
    assert "Le formulaire contient des erreurs" not in text
    assert AccessLog.objects.filter(action=AccessLog.Action.CITIZEN_SEARCH, actor=agent).count() == 1

    response = agent_client.post(form_url(cdas), {**BASE, "citizen": str(person.pk)})
    assert response.status_code == 302
    session = HelpSession.objects.get()
    assert session.citizen == person and session.commune_id == "35360"
    assert TimelineEntry.objects.filter(citizen=person, kind="help_session").count() == 1
    # Choosing the citizen read their record through the reference's selector: logged with the purpose.
    assert AccessLog.objects.filter(citizen=person, purpose="séance d'aide numérique").exists()


def test_substitution_without_consent_says_why_and_keeps_what_was_ticked(agent_client, cdas):
    data = {**BASE, "level": "substitution", "procedures": ["rsa", "caf"], "orientation": "CCAS"}
    response = agent_client.post(form_url(cdas), data)
    assert response.status_code == 400
    text = response.content.decode()
    assert "Faire la démarche à la place de la personne demande son consentement : cochez-le." in text
    assert 'value="CCAS"' in text
    assert not HelpSession.objects.exists()

    response = agent_client.post(form_url(cdas), {**data, "consent": "on"})
    assert response.status_code == 302
    assert HelpSession.objects.get().consent_recorded_at is not None


def test_missing_choices_are_named_in_french(agent_client, cdas):
    response = agent_client.post(form_url(cdas), {"action": "record"})
    assert response.status_code == 400
    text = response.content.decode()
    for message in ("Cochez au moins une démarche.", "Choisissez le niveau d'aide.", "Choisissez le résultat."):
        assert message in text.replace("&#x27;", "'")
    assert not HelpSession.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"procedures": ["caf", "x" * 5000]},
        {"level": "<script>alert(1)</script>"},
        {"commune": "99999"},
        {"duration_minutes": "-3"},
        {"held_on": "31/02/2026"},
        {"held_on": "1900-01-01"},
        {"citizen": "12abc"},
        {"orientation": "x" * 1000},
    ],
)
def test_hostile_input_is_refused_without_a_500(agent_client, cdas, data):
    response = agent_client.post(form_url(cdas), {**BASE, **data})
    assert response.status_code in (400, 302)
    if response.status_code == 302:  # "12abc" is not a citizen: the session stays anonymous
        assert HelpSession.objects.get().citizen_id is None
    else:
        assert not HelpSession.objects.exists()


def test_unknown_citizen_is_a_404(agent_client, cdas):
    response = agent_client.post(form_url(cdas), {**BASE, "citizen": "987654321"})
    assert response.status_code == 404
    assert not HelpSession.objects.exists()


def test_no_right_is_a_404(client, outsider, mailroom_agent, cdas):
    verify_otp(client, outsider)
    assert client.get(form_url(cdas)).status_code == 404
    assert client.post(form_url(cdas), BASE).status_code == 404
    verify_otp(client, mailroom_agent)
    assert client.get(reverse("backoffice:help_session_start")).status_code == 404
    assert not HelpSession.objects.exists()


def test_home_card_and_file_link(agent_client, agent, cdas, person):
    home = agent_client.get(reverse("backoffice:home")).content.decode()
    assert reverse("backoffice:help_session_start") in home
    file, _accompaniment = open_file(citizen=person, team=agent.memberships.get().team, actor=agent)
    page = agent_client.get(reverse("backoffice:file_detail", args=[file.pk])).content.decode()
    assert reverse("backoffice:help_session_start") + f"?usager={person.pk}" in page
