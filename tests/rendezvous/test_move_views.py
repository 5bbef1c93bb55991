"""Moving an appointment from the back office: another free slot of the motif, with a colleague at another lieu;
history, timeline, change notice; a taken or garbled slot is refused in French with nothing changed; 404 for
whoever may not move it."""

import datetime
import html

import pytest
from django.core import mail
from django.urls import reverse

from dossier_unique.models import TimelineEntry
from grc.models import Membership
from rendezvous.models import MessageLog, Rendezvous
from tests.factories import CitizenFactory, MembershipFactory, TeamFactory, verify_otp
from tests.rendezvous.agents_setup import appointment, at, desk, open_day
from tests.rendezvous.factories import LieuFactory, PlageFactory

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def moving():
    d = desk()
    other_lieu = LieuFactory(name="Antenne de La Guerche")
    PlageFactory(
        agent=d.colleague,
        lieu=other_lieu,
        first_day=d.plage.first_day,
        start_time=datetime.time(13),
        end_time=datetime.time(17),
        motifs=[d.motif],
    )
    day = open_day(2)
    person = CitizenFactory(birth_name="Riou", first_names="Maël")
    rendezvous = appointment(d, at(day, 9), person)
    Rendezvous.objects.filter(pk=rendezvous.pk).update(created_by=d.agent)
    rendezvous.participants.update(email="mael@example.org", notify_email=True)
    return d, other_lieu, day, rendezvous, person


def test_the_agent_moves_it_to_a_colleague_at_another_lieu(client, moving, django_capture_on_commit_callbacks):
    d, other_lieu, day, rendezvous, person = moving
    verify_otp(client, d.agent)
    url = reverse("backoffice:rdv_move", args=[rendezvous.pk])
    page = client.get(url, {"lieu": other_lieu.pk, "week": at(day, 0).strftime("%d/%m/%Y")})
    text = _text(page)
    assert page.status_code == 200 and "Déplacer à ce créneau" in text
    value = f"{at(day, 14).astimezone(datetime.UTC).isoformat()}|{d.colleague.pk}|{other_lieu.pk}"
    assert f'value="{value}"' in text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"slot": value, "lieu": other_lieu.pk})
    assert response.status_code == 302
    rendezvous.refresh_from_db()
    assert (rendezvous.starts_at, rendezvous.agent, rendezvous.lieu) == (at(day, 14), d.colleague, other_lieu)
    assert rendezvous.history.first().history_change_reason == "Rendez-vous déplacé"
    assert rendezvous.history.first().history_user == d.agent
    assert TimelineEntry.objects.filter(citizen=person, title__contains="déplacé").count() == 1
    assert MessageLog.objects.filter(rendezvous=rendezvous, kind="modification", result="envoye").count() == 1
    assert mail.outbox[-1].subject.startswith("Votre rendez-vous a été modifié") and "14h00" in mail.outbox[-1].subject
    # The old slot is free again: another appointment may take it.
    assert appointment(d, at(day, 9)).pk


def test_a_taken_or_garbled_slot_is_refused_in_french_and_nothing_moves(client, moving):
    d, _other_lieu, day, rendezvous, _person = moving
    appointment(d, at(day, 10))  # taken meanwhile
    verify_otp(client, d.agent)
    url = reverse("backoffice:rdv_move", args=[rendezvous.pk])
    taken = client.post(url, {"slot": f"{at(day, 10).isoformat()}|{d.agent.pk}|{d.lieu.pk}"})
    garbled = client.post(url, {"slot": "demain 10h|x|"})
    empty = client.post(url, {})
    assert taken.status_code == garbled.status_code == empty.status_code == 200
    assert "Ce créneau vient d'être pris" in _text(taken)
    assert "Ce créneau est illisible" in _text(garbled)
    assert "Choisissez un créneau." in _text(empty)
    rendezvous.refresh_from_db()
    assert (rendezvous.starts_at, rendezvous.agent) == (at(day, 9), d.agent)
    assert rendezvous.history.count() == 1


def test_who_may_not_move_it_gets_a_404(client, moving):
    d, _other_lieu, day, rendezvous, _person = moving
    outsider = MembershipFactory(team=TeamFactory(), role=Membership.Role.SOCIAL_WORKER).user
    verify_otp(client, outsider)
    url = reverse("backoffice:rdv_move", args=[rendezvous.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"slot": f"{at(day, 11).isoformat()}|{d.agent.pk}|{d.lieu.pk}"}).status_code == 404
    rendezvous.refresh_from_db()
    assert rendezvous.starts_at == at(day, 9)
    # A group session is not moved (its people cancel and book another): no move page either.
    group = desk(name="Atelier — CDAS Vitré", capacity=6)
    session = appointment(group, at(day, 11), CitizenFactory())
    verify_otp(client, group.agent)
    assert client.get(reverse("backoffice:rdv_move", args=[session.pk])).status_code == 404


def test_the_move_page_keeps_its_query_count(client, moving, django_assert_max_num_queries):
    d, _other_lieu, day, rendezvous, _person = moving
    verify_otp(client, d.agent)
    url = reverse("backoffice:rdv_move", args=[rendezvous.pk]) + f"?week={at(day, 0):%d/%m/%Y}"
    client.get(url)
    with django_assert_max_num_queries(30):
        assert client.get(url).status_code == 200
