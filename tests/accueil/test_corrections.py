"""Orientation to a place of the map, correction of a mistaken session by its author, and a person's sessions
outside the timeline: through the back office as an agent uses them, and through the services' rules."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accueil.models import HelpSession
from accueil.services import help_session_correct, help_session_record
from dossier_unique.models import TimelineEntry
from grc.audit.models import AccessLog
from grc.models import Commune
from tests.factories import verify_otp
from tests.mednum.factories import LieuFactory

pytestmark = pytest.mark.django_db

BASE = {"place_kind": "guichet", "level": "accompagnement", "procedures": ["caf"], "outcome": "abouti"}


@pytest.fixture
def places(cdas):
    """A place in Vitré (the CDAS's commune), one in Rennes, one withdrawn from the map in Vitré."""
    Commune.objects.filter(code="35360").update(latitude=48.1236, longitude=-1.2094)
    cdas.commune_id = "35360"
    cdas.save()
    vitre = Commune.objects.get(code="35360")
    return {
        "vitre": LieuFactory(nom="Espace France Services Vitré", commune=vitre, latitude=48.124, longitude=-1.21),
        "rennes": LieuFactory(nom="Médiathèque des Champs Libres"),
        "withdrawn": LieuFactory(nom="Ancien cyberespace", commune=vitre, published=False),
    }


def _post(client, url, **changes):
    return client.post(url, {"action": "record", **BASE, **changes})


def test_orientation_to_a_place_nearest_first_and_named_on_the_timeline(client, agent, cdas, person, places):
    verify_otp(client, agent)
    url = reverse("backoffice:help_session_record", args=[cdas.pk])
    page = client.get(url).content.decode()
    # Nearest to the CDAS first; a withdrawn place is not offered.
    assert page.index("Espace France Services Vitré") < page.index("Médiathèque des Champs Libres")
    assert "Ancien cyberespace" not in page
    response = _post(client, url, outcome="oriente", orientation_place=places["vitre"].pk, citizen=person.pk)
    assert response.status_code == 302
    session = HelpSession.objects.get()
    assert session.orientation_place == places["vitre"] and session.orientation == ""
    entry = TimelineEntry.objects.get(citizen=person, kind=TimelineEntry.Kind.HELP_SESSION)
    assert (
        entry.title == "Aide aux démarches en ligne — Accompagnement (CDAS Vitré (test)), orientée vers "
        "Espace France Services Vitré"
    )
    assert "CAF" not in entry.title  # the procedures stay in the session, under its own rules


def test_a_withdrawn_or_unknown_place_is_refused_in_french_and_nothing_saved(client, agent, cdas, places):
    verify_otp(client, agent)
    url = reverse("backoffice:help_session_record", args=[cdas.pk])
    response = _post(client, url, outcome="oriente", orientation_place=places["withdrawn"].pk)
    assert response.status_code == 400
    assert "Ce lieu n&#x27;est plus sur la carte" in response.content.decode()
    response = _post(client, url, outcome="oriente", orientation_place="abc")
    assert response.status_code == 400 and "Choisissez un lieu dans la liste." in response.content.decode()
    response = _post(client, url, outcome="oriente", orientation_place="999999")
    assert response.status_code == 400 and "Indiquez vers quel lieu" in response.content.decode()
    assert not HelpSession.objects.exists()


def test_the_author_corrects_within_24_hours_and_the_history_keeps_the_mistake(client, agent, cdas, person, places):
    session = help_session_record(actor=agent, site=cdas, citizen=person, **BASE)
    verify_otp(client, agent)
    url = reverse("backoffice:help_session_correct", args=[session.pk])
    form = client.get(url)
    assert form.status_code == 200 and 'value="accompagnement"' in form.content.decode()
    data = {**BASE, "level": "faire_avec", "procedures": ["caf", "impots"], "outcome": "oriente"}
    data["orientation_place"] = places["vitre"].pk
    data["held_on"] = timezone.localdate().isoformat()
    response = client.post(url, data)
    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.level, session.procedures, session.orientation_place) == (
        "faire_avec",
        ["caf", "impots"],
        places["vitre"],
    )
    assert session.corrected_at is not None and session.citizen == person
    levels = list(session.history.order_by("history_date").values_list("level", "history_change_reason"))
    assert levels == [
        ("accompagnement", "séance d'aide numérique enregistrée"),
        ("faire_avec", "séance d'aide numérique corrigée par son auteur"),
    ]
    entry = TimelineEntry.objects.get(citizen=person, kind=TimelineEntry.Kind.HELP_SESSION)
    assert entry.title.startswith("Aide aux démarches en ligne — Faire avec") and "Vitré" in entry.title
    # A bad correction: French error, the session as it was.
    response = client.post(url, {**data, "procedures": []})
    assert response.status_code == 400 and "Cochez au moins une démarche." in response.content.decode()
    session.refresh_from_db()
    assert session.procedures == ["caf", "impots"]


def test_nobody_else_and_nothing_after_24_hours_corrects(client, agent, colleague, cdas):
    session = help_session_record(actor=agent, site=cdas, **BASE)
    verify_otp(client, colleague)
    url = reverse("backoffice:help_session_correct", args=[session.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {**BASE, "level": "faire_avec"}).status_code == 404
    with pytest.raises(PermissionDenied):
        help_session_correct(actor=colleague, session=session, **BASE)
    HelpSession.objects.filter(pk=session.pk).update(created_at=timezone.now() - datetime.timedelta(hours=25))
    session.refresh_from_db()
    with pytest.raises(PermissionDenied):
        help_session_correct(actor=agent, session=session, **{**BASE, "level": "faire_avec"})
    verify_otp(client, agent)
    assert client.get(url).status_code == 404
    assert HelpSession.objects.get().level == "accompagnement"


def test_correcting_keeps_the_rules_of_recording(agent, cdas):
    session = help_session_record(actor=agent, site=cdas, **BASE)
    with pytest.raises(ValidationError) as error:
        help_session_correct(actor=agent, session=session, **{**BASE, "level": "substitution"})
    assert "consent" in error.value.message_dict
    session.refresh_from_db()
    assert session.level == "accompagnement" and session.corrected_at is None


def test_a_persons_sessions_listed_outside_the_timeline_and_logged(
    client, agent, outsider, cdas, person, django_assert_max_num_queries
):
    for level in ("coup_de_pouce", "accompagnement", "faire_avec"):
        help_session_record(actor=agent, site=cdas, citizen=person, **{**BASE, "level": level})
    verify_otp(client, agent)
    url = reverse("backoffice:help_sessions_citizen", args=[person.pk])
    before = AccessLog.objects.filter(citizen_id=person.pk, action=AccessLog.Action.HELP_SESSION_VIEW).count()
    with django_assert_max_num_queries(22):
        page = client.get(url)
    text = page.content.decode()
    assert page.status_code == 200 and "3 séances que vous pouvez consulter" in text
    assert "Faire avec" in text and "Coup de pouce" in text and text.count("Corriger") == 3
    after = AccessLog.objects.filter(citizen_id=person.pk, action=AccessLog.Action.HELP_SESSION_VIEW).count()
    assert after == before + 1
    # An agent of another CDAS sees the page but none of these sessions; a citizen id that does not exist: 404.
    verify_otp(client, outsider)
    assert "Aucune séance que vous puissiez consulter." in client.get(url).content.decode()
    assert client.get(reverse("backoffice:help_sessions_citizen", args=[999999])).status_code == 404


def test_the_list_is_404_for_who_records_no_session(client, mailroom_agent, person):
    verify_otp(client, mailroom_agent)
    assert client.get(reverse("backoffice:help_sessions_citizen", args=[person.pk])).status_code == 404


def test_recording_query_count_is_pinned(client, agent, cdas, person, django_assert_num_queries):
    """What the agent waits for at the counter: the recording POST, anonymous then linked."""
    verify_otp(client, agent)
    url = reverse("backoffice:help_session_record", args=[cdas.pk])
    _post(client, url)  # the communes of the form are read once an hour
    # Session, user, device, memberships, its teams' sites, the site, the row and its history, the session's
    # save (each write in its own transaction: 4 savepoints here). Was 15 with the site checked twice and the
    # communes read on every POST.
    with django_assert_num_queries(13):
        assert _post(client, url).status_code == 302
    # Linked: + the citizen (read with addresses, contacts, household, and logged), the commune of the address,
    # the social file, the timeline entry and its history.
    with django_assert_num_queries(22):
        assert _post(client, url, citizen=person.pk).status_code == 302
