"""Every appointment is on the person's timeline with its motif's team visibility; a masked (sensitive) motif is
invisible outside its team and never named."""

import html

import pytest
from django.urls import reverse

from dossier_unique.models import Programme, TimelineEntry
from dossier_unique.selectors import timeline_for
from dossier_unique.timeline import registered_sources
from grc.models import Team
from rendezvous import services
from rendezvous.models import Motif
from rendezvous.timeline import rdv_timeline_record
from tests.dossier_unique.factories import open_file
from tests.factories import CitizenFactory, MembershipFactory, TeamFactory, verify_otp
from tests.rendezvous.agents_setup import appointment, at, desk

pytestmark = pytest.mark.django_db


def test_appointments_are_a_registered_timeline_source():
    assert TimelineEntry.Kind.APPOINTMENT in registered_sources()["rendezvous.rendezvous"].kinds
    assert "rendezvous.invitation" in registered_sources()


def test_a_normal_motif_is_on_the_file_for_everyone_who_follows_it():
    d = desk()
    person = CitizenFactory()
    follower_team = TeamFactory(name="Polyvalence — CDAS Vitré")
    follower = MembershipFactory(team=follower_team).user
    file, _acc = open_file(citizen=person, team=follower_team, actor=follower, referent=follower)
    rendezvous = appointment(d, at(3, 10), person)
    (entry,) = rdv_timeline_record(rendezvous=rendezvous, actor=d.agent)
    assert (entry.visibility, entry.team_id, entry.file_id) == ("file", None, file.pk)
    assert d.motif.name in entry.title and "pris pour le" in entry.title
    assert entry.programme == "rsa"
    assert list(timeline_for(user=follower, file=file, kind="appointment", log=False)) == [entry]


def test_a_masked_motif_is_invisible_outside_its_team_and_never_named():
    d = desk(kind=Team.Kind.ASE, name="ASE — CDAS Vitré", visibility=Motif.Visibility.MASQUE)
    person = CitizenFactory()
    other_team = TeamFactory(name="RSA — CDAS Vitré", kind=Team.Kind.RSA)
    outsider = MembershipFactory(team=other_team).user
    file, _acc = open_file(citizen=person, team=other_team, actor=outsider, referent=outsider)
    rendezvous = appointment(d, at(3, 10), person)
    (entry,) = rdv_timeline_record(rendezvous=rendezvous, actor=d.agent)
    assert (entry.visibility, entry.team_id) == ("team", d.team.pk)
    assert d.motif.name not in entry.title and entry.title.startswith("Rendez-vous pris pour le ")
    assert entry.programme == "ase"
    assert list(timeline_for(user=outsider, file=file, kind="appointment", log=False)) == []
    # The team's own member sees it once the team follows the file too.
    open_file(citizen=person, team=d.team, actor=d.agent, referent=d.agent, programme=Programme.ASE)
    assert list(timeline_for(user=d.colleague, file=file, kind="appointment", log=False)) == [entry]


def test_booking_cancelling_and_outcomes_each_write_one_entry_per_person():
    d = desk(capacity=5)
    first, second = CitizenFactory(), CitizenFactory()
    rendezvous = appointment(d, at(-1, 10), first, second)
    assert len(rdv_timeline_record(rendezvous=rendezvous, actor=d.agent)) == 2
    participant = rendezvous.participants.get(citizen=first)
    services.participant_outcome_set(participant=participant, status="absent", actor=d.agent)
    titles = list(TimelineEntry.objects.filter(citizen=first).order_by("pk").values_list("title", flat=True))
    assert titles[-1].endswith(": absent")
    assert TimelineEntry.objects.filter(citizen=second).count() == 1
    services.rdv_cancel(rendezvous=rendezvous, actor=d.agent, reason="Fermeture exceptionnelle")
    assert "annulé" in TimelineEntry.objects.filter(citizen=second).latest("pk").title


def test_the_file_page_shows_the_appointment_to_the_team_and_hides_the_masked_one_elsewhere(client):
    masked = desk(kind=Team.Kind.PMI, name="PMI — CDAS Vitré", visibility=Motif.Visibility.MASQUE)
    normal = desk(name="RSA — CDAS Vitré")
    person = CitizenFactory()
    file, _acc = open_file(
        citizen=person, team=normal.team, actor=normal.agent, referent=normal.agent, programme=Programme.RSA
    )
    open_file(citizen=person, team=masked.team, actor=masked.agent, referent=masked.agent)
    rdv_timeline_record(rendezvous=appointment(masked, at(2, 9), person), actor=masked.agent)
    rdv_timeline_record(rendezvous=appointment(normal, at(2, 14), person), actor=normal.agent)
    url = reverse("backoffice:file_detail", args=[file.pk])
    verify_otp(client, normal.agent)
    text = html.unescape(client.get(url).content.decode())
    assert f"Rendez-vous « {normal.motif.name} » pris pour le" in text
    assert "Rendez-vous pris pour le" not in text  # the masked motif's entry
    verify_otp(client, masked.colleague)
    text = html.unescape(client.get(url).content.decode())
    assert "Rendez-vous pris pour le" in text
