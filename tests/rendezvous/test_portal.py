"""Online booking on the portal through the test client: motif → lieu (nearest first) → slot → confirmation,
"Mes rendez-vous" (list, cancel, move), invitation links, and the French answers to bad input."""

import datetime
import html

import pytest
from django.urls import reverse
from django.utils import timezone

from grc.audit.models import AccessLog
from grc.models import Commune
from rendezvous import selectors
from rendezvous.models import Participant, Rendezvous
from rendezvous.slots import free_slots
from tests.factories import AddressFactory, CitizenFactory, UserFactory, verify_otp
from tests.rendezvous.factories import LieuFactory, MotifFactory, PlageFactory

pytestmark = pytest.mark.django_db

RENNES = (48.1118, -1.68189)
SAINT_MALO = (48.63985, -1.98058)


@pytest.fixture
def world():
    # The reference is loaded by a migration, but a transactional test run before on a reused database flushes it.
    Commune.objects.update_or_create(
        code="35238",
        defaults={
            "name": "Rennes",
            "postcodes": ["35000", "35200", "35700"],
            "latitude": RENNES[0],
            "longitude": RENNES[1],
        },
    )
    motif = MotifFactory(
        name="Premier accueil social",
        min_booking_delay_minutes=60,
        max_booking_delay_days=21,
        cancel_until_hours=48,
        instructions_after="Apportez un justificatif de domicile.",
    )
    malo = LieuFactory(name="CDAS de Saint-Malo", latitude=SAINT_MALO[0], longitude=SAINT_MALO[1], city="Saint-Malo")
    rennes = LieuFactory(name="CDAS du Blosne", latitude=RENNES[0], longitude=RENNES[1], city="Rennes")
    today = timezone.localdate()
    for lieu in (malo, rennes):
        PlageFactory(
            lieu=lieu,
            first_day=today,
            weekdays=list(range(7)),
            start_time=datetime.time(8),
            end_time=datetime.time(18),
            motifs=[motif],
        )
    account = UserFactory(citizen_account=True)
    citizen = CitizenFactory(user=account)
    AddressFactory(citizen=citizen, postcode="35200", city="Rennes", insee_code="35238")
    return {"motif": motif, "rennes": rennes, "malo": malo, "account": account, "citizen": citizen}


def first_slot(world, lieu, index=0):
    return free_slots(motif=world["motif"], lieu_ids=[lieu.pk])[index]


def confirm_url(world, lieu):
    return reverse("rdv:confirm", args=[world["motif"].pk, lieu.pk])


def post_booking(client, world, lieu, slot, **fields):
    data = {"creneau": int(slot.starts_at.timestamp()), "email": "camille@example.org", "notify_email": "on", **fields}
    return client.post(confirm_url(world, lieu), data)


def test_anonymous_goes_to_login_and_staff_get_404(client, world):
    response = client.get(reverse("rdv:motifs"))
    assert response.status_code == 302 and "/connexion/" in response["Location"]
    verify_otp(client, UserFactory(staff=True))
    assert client.get(reverse("rdv:motifs")).status_code == 404


def test_motifs_open_online_only(client, world):
    MotifFactory(name="Entretien ASE", bookable_by="agents")
    client.force_login(world["account"])
    page = client.get(reverse("rdv:motifs")).content.decode()
    assert "Premier accueil social" in page and "Entretien ASE" not in page


def test_lieux_nearest_to_the_citizen_first_with_next_slot(client, world, django_assert_max_num_queries):
    client.force_login(world["account"])
    with django_assert_max_num_queries(14):
        response = client.get(reverse("rdv:lieux", args=[world["motif"].pk]))
    page = response.content.decode()
    assert page.index("CDAS du Blosne") < page.index("CDAS de Saint-Malo")
    assert "de Rennes" in page and "Prochain créneau libre" in page
    # Each lieu's OpenStreetMap opening hours, said in French for the coming week (a weekend is always closed).
    assert html.unescape(page).count("Horaires d'ouverture cette semaine") == 2
    assert "08 h 30 – 12 h, 13 h 30 – 17 h" in page and "<dd>Fermé" in page


def test_booking_end_to_end_lands_in_mes_rendez_vous(client, world, django_assert_max_num_queries):
    client.force_login(world["account"])
    with django_assert_max_num_queries(12):
        slots_page = client.get(reverse("rdv:slots", args=[world["motif"].pk, world["rennes"].pk]))
    slot = first_slot(world, world["rennes"])
    value = int(slot.starts_at.timestamp())
    assert f"creneau={value}" in slots_page.content.decode()
    assert client.get(confirm_url(world, world["rennes"]), {"creneau": value}).status_code == 200
    response = post_booking(client, world, world["rennes"], slot, phone="06 12 34 56 78", notify_sms="on")
    assert response.status_code == 302 and response["Location"] == reverse("espace:appointments")
    participant = Participant.objects.get(citizen=world["citizen"])
    assert participant.rendezvous.starts_at == slot.starts_at and participant.phone == "+33612345678"
    page = client.get(response["Location"]).content.decode()
    assert "est confirmé" in page and "Apportez un justificatif de domicile." in page
    assert "Premier accueil social" in page and "CDAS du Blosne" in page
    assert AccessLog.objects.filter(actor=world["account"], action=AccessLog.Action.CITIZEN_SELF_VIEW).exists()


def test_taken_slot_keeps_what_was_typed_and_says_so(client, world):
    slot = first_slot(world, world["rennes"])
    other = UserFactory(citizen_account=True)
    CitizenFactory(user=other)
    client.force_login(other)
    assert post_booking(client, world, world["rennes"], slot).status_code == 302
    client.force_login(world["account"])
    # The same agent is the only one at that lieu: the slot is gone.
    response = post_booking(client, world, world["rennes"], slot, email="moi@example.org", phone="06 98 76 54 32")
    page = response.content.decode()
    assert response.status_code == 400
    assert "Ce créneau vient d&#x27;être pris" in page or "Ce créneau vient d'être pris" in page
    assert 'value="moi@example.org"' in page and 'value="06 98 76 54 32"' in page
    assert Participant.objects.filter(citizen=world["citizen"]).count() == 0


@pytest.mark.parametrize("value", ["", "abc", "99999999999999999999", "-5", "1234"])
def test_garbage_slot_gets_a_french_message_not_an_error(client, world, value):
    client.force_login(world["account"])
    response = client.post(confirm_url(world, world["rennes"]), {"creneau": value, "email": "a@example.org"})
    assert response.status_code == 400
    assert "créneau" in response.content.decode()
    assert client.get(confirm_url(world, world["rennes"]), {"creneau": value}).status_code == 400
    assert not Rendezvous.objects.exists()


def test_past_slot_is_refused_in_french(client, world):
    client.force_login(world["account"])
    past = int((timezone.now() - datetime.timedelta(days=1)).timestamp())
    response = client.post(
        confirm_url(world, world["rennes"]), {"creneau": past, "email": "a@example.org", "notify_email": "on"}
    )
    assert response.status_code == 400 and "déjà passé" in response.content.decode()


def test_unknown_motif_or_lieu_says_so(client, world):
    client.force_login(world["account"])
    response = client.get(reverse("rdv:lieux", args=[999999]))
    assert response.status_code == 404 and "ne se réserve pas en ligne" in response.content.decode()
    other_lieu = LieuFactory()
    response = client.get(reverse("rdv:slots", args=[world["motif"].pk, other_lieu.pk]))
    assert response.status_code == 404 and "ne reçoit pas de rendez-vous pour ce motif" in response.content.decode()


def test_cancel_from_mes_rendez_vous_and_too_late_is_explained(client, world):
    client.force_login(world["account"])
    slot = first_slot(world, world["rennes"], index=60)  # far enough to cancel online
    post_booking(client, world, world["rennes"], slot)
    participant = Participant.objects.get(citizen=world["citizen"])
    response = client.post(reverse("rdv:my_cancel", args=[participant.pk]), follow=True)
    assert "Votre rendez-vous est annulé." in response.content.decode()
    assert Rendezvous.objects.get().status == "annule"

    soon = first_slot(world, world["rennes"])  # within 48 hours: too late to cancel online
    post_booking(client, world, world["rennes"], soon)
    late = Participant.objects.get(citizen=world["citizen"], status="a_venir")
    page = client.get(reverse("espace:appointments")).content.decode()
    # Opening slots run every day from 8:00 to 18:00 (but public holidays): the first is less than 48 hours away.
    assert soon.starts_at - timezone.now() < datetime.timedelta(hours=48)
    assert "Il n&#x27;est plus possible d&#x27;annuler" in page or "plus possible d'annuler" in page
    response = client.post(reverse("rdv:my_cancel", args=[late.pk]), follow=True)
    assert "trop tard pour annuler" in response.content.decode()
    assert Rendezvous.objects.get(pk=late.rendezvous_id).status == "active"


def test_move_to_another_slot(client, world):
    client.force_login(world["account"])
    post_booking(client, world, world["rennes"], first_slot(world, world["rennes"], index=60))
    participant = Participant.objects.get(citizen=world["citizen"])
    new = first_slot(world, world["rennes"], index=70)
    assert client.get(reverse("rdv:my_move", args=[participant.pk])).status_code == 200
    response = client.post(reverse("rdv:my_move", args=[participant.pk]), {"creneau": int(new.starts_at.timestamp())})
    assert response.status_code == 302
    rendezvous = Rendezvous.objects.get()
    assert rendezvous.pk == participant.rendezvous_id and rendezvous.starts_at == new.starts_at


def test_someone_elses_appointment_is_a_404(client, world):
    client.force_login(world["account"])
    post_booking(client, world, world["rennes"], first_slot(world, world["rennes"], index=60))
    participant = Participant.objects.get(citizen=world["citizen"])
    stranger = UserFactory(citizen_account=True)
    CitizenFactory(user=stranger)
    client.force_login(stranger)
    assert client.post(reverse("rdv:my_cancel", args=[participant.pk])).status_code == 404
    assert client.get(reverse("rdv:my_move", args=[participant.pk])).status_code == 404
    assert Rendezvous.objects.get().status == "active"


def test_mes_rendez_vous_query_count_does_not_grow(client, world, django_assert_max_num_queries):
    client.force_login(world["account"])
    for index in (60, 62, 64):
        motif = MotifFactory(team=world["motif"].team)
        world["motif"].plages.first().motifs.add(motif)
        slot = free_slots(motif=motif, lieu_ids=[world["malo"].pk])[index]
        client.post(
            reverse("rdv:confirm", args=[motif.pk, world["malo"].pk]),
            {"creneau": int(slot.starts_at.timestamp()), "email": "a@example.org", "notify_email": "on"},
        )
    assert Participant.objects.filter(citizen=world["citizen"]).count() == 3
    with django_assert_max_num_queries(10):
        response = client.get(reverse("espace:appointments"))
    assert response.content.decode().count("Déplacer") == 3


def test_a_lieu_without_coordinates_is_placed_at_its_commune(world):
    fougeres = Commune.objects.update_or_create(
        code="35115", defaults={"name": "Fougères", "postcodes": ["35300"], "latitude": 48.3525, "longitude": -1.1986}
    )[0]
    lieu = LieuFactory(name="Antenne de Fougères", commune=fougeres, latitude=None, longitude=None)
    PlageFactory(lieu=lieu, first_day=timezone.localdate(), weekdays=list(range(7)), motifs=[world["motif"]])
    rennes = Commune.objects.get(code="35238")
    choices = selectors.lieux_for_motif(motif=world["motif"], origin=rennes)
    assert [c.lieu.name for c in choices] == ["CDAS du Blosne", "Antenne de Fougères", "CDAS de Saint-Malo"]
    assert 40 < choices[1].distance_km < 50
