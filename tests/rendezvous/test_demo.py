"""The demo's appointments, as ``make run`` loads them: every CDAS can be booked, the demo citizen has a past
and an upcoming appointment, and seeding again changes nothing."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from demo import data as demo_data
from dossier_unique.models import TimelineEntry
from grc.models import Citizen
from rendezvous.models import Lieu, MessageLog, Motif, Participant, PlageOuverture, Rendezvous
from rendezvous.slots import free_slots
from tests.conftest import seeded_demo


@pytest.fixture(autouse=True)
def _media_root():
    """The module's demo documents live in the module's directories (overrides the per-test ones)."""


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    with seeded_demo(django_db_blocker, tmp_path_factory, "demo-rendezvous"):
        yield


@pytest.mark.django_db
def test_every_cdas_has_a_lieu_motifs_and_free_slots_online(demo):
    lieux = Lieu.objects.filter(kind=Lieu.Kind.CDAS)
    assert lieux.count() == len(demo_data.CDAS)
    for lieu in lieux:
        plages = PlageOuverture.objects.filter(lieu=lieu, is_active=True)
        assert plages.count() == 2, lieu.name
        motifs = Motif.objects.filter(plages__lieu=lieu).distinct()
        assert motifs.count() == 4, lieu.name
        online = motifs.get(name="Premier accueil social")
        assert online.citizens_may_book
        assert free_slots(motif=online, lieu_ids=[lieu.pk]), lieu.name
    assert set(Motif.objects.filter(name="Consultation de puériculture").values_list("visibility", flat=True)) == {
        Motif.Visibility.MASQUE
    }


@pytest.mark.django_db
def test_the_demo_citizen_has_a_past_appointment_seen_and_one_to_come(demo):
    citizen = Citizen.objects.get(user__email=demo_data.PORTAL_ACCOUNT_EMAIL)
    now = timezone.now()
    participations = Participant.objects.filter(citizen=citizen).select_related("rendezvous__lieu")
    past = [p for p in participations if p.rendezvous.starts_at < now]
    to_come = [p for p in participations if p.rendezvous.starts_at >= now]
    assert [(p.status, bool(p.outcome_note)) for p in past] == [(Participant.Status.VU, True)]
    assert [(p.status, p.rendezvous.status) for p in to_come] == [(Participant.Status.A_VENIR, "active")]
    assert {p.rendezvous.lieu.name for p in participations} == {"CDAS Rennes Centre"}
    assert TimelineEntry.objects.filter(citizen=citizen, kind=TimelineEntry.Kind.APPOINTMENT).count() >= 2
    # Seeding sends nothing: no e-mail, no SMS, no message logged.
    assert mail.outbox == [] and not MessageLog.objects.exists()


@pytest.mark.django_db
def test_seeding_again_creates_no_appointment_and_no_slot(demo):
    before = (Rendezvous.objects.count(), PlageOuverture.objects.count(), Motif.objects.count(), Lieu.objects.count())
    call_command(
        "seed_demo", "--demo-citizens", "40", "--directory-size", "100", "--no-progress", stdout=io.StringIO()
    )
    after = (Rendezvous.objects.count(), PlageOuverture.objects.count(), Motif.objects.count(), Lieu.objects.count())
    assert after == before
