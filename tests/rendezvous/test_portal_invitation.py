"""Booking through an invitation link (no login): the link opens its motif for its person, once, until it expires."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from rendezvous import services
from rendezvous.models import Invitation, Participant, Rendezvous
from rendezvous.slots import free_slots
from tests.factories import CitizenFactory, UserFactory
from tests.rendezvous.factories import LieuFactory, MotifFactory, PlageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def invited():
    # Agents only: an invitation opens a motif that is not offered online.
    motif = MotifFactory(
        name="Bilan RSA", bookable_by="agents", min_booking_delay_minutes=60, max_booking_delay_days=21
    )
    lieu = LieuFactory(name="CDAS de Vitré")
    PlageFactory(
        lieu=lieu,
        first_day=timezone.localdate(),
        weekdays=list(range(7)),
        start_time=datetime.time(8),
        end_time=datetime.time(18),
        motifs=[motif],
    )
    citizen = CitizenFactory()
    agent = UserFactory(staff=True)
    invitation, token = services.invitation_create(citizen=citizen, motif=motif, actor=agent, valid_days=10)
    return {"motif": motif, "lieu": lieu, "citizen": citizen, "invitation": invitation, "token": token}


def test_link_leads_an_anonymous_visitor_to_the_booking(client, invited):
    token, motif, lieu = invited["token"], invited["motif"], invited["lieu"]
    response = client.get(reverse("rdv:invitation_motifs", args=[token]))
    assert response.status_code == 302 and response["Location"] == reverse(
        "rdv:invitation_lieux", args=[token, motif.pk]
    )
    page = client.get(response["Location"]).content.decode()
    assert "CDAS de Vitré" in page and "Bilan RSA" in page
    slot = free_slots(motif=motif, lieu_ids=[lieu.pk])[3]
    confirm = reverse("rdv:invitation_confirm", args=[token, motif.pk, lieu.pk])
    assert client.get(confirm, {"creneau": int(slot.starts_at.timestamp())}).status_code == 200
    response = client.post(
        confirm, {"creneau": int(slot.starts_at.timestamp()), "email": "x@example.org", "notify_email": "on"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("rdv:invitation_booked", args=[token])
    participant = Participant.objects.get()
    assert participant.citizen == invited["citizen"] and participant.rendezvous.channel == "invitation"
    assert participant.rendezvous.created_by is None
    invitation = Invitation.objects.get()
    assert invitation.used_at is not None and invitation.rendezvous_id == participant.rendezvous_id
    assert "Rendez-vous confirmé" in client.get(response["Location"]).content.decode()
    # The link has served: it books nothing more.
    again = client.get(reverse("rdv:invitation_lieux", args=[token, motif.pk]))
    assert again.status_code == 410 and "n'est plus valable" in again.content.decode().replace("&#x27;", "'")
    assert Rendezvous.objects.count() == 1


def test_expired_or_garbage_link_is_explained(client, invited):
    Invitation.objects.filter(pk=invited["invitation"].pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    for token in (invited["token"], "x" * 5000, "not-a-token", "%00"):
        response = client.get(reverse("rdv:invitation_motifs", args=[token]))
        assert response.status_code == 410, token[:20]
        assert "n'est plus valable" in response.content.decode().replace("&#x27;", "'")


def test_the_link_opens_its_own_motif_only(client, invited):
    other = MotifFactory(bookable_by="citoyens")
    PlageFactory(lieu=invited["lieu"], first_day=timezone.localdate(), motifs=[other])
    response = client.get(reverse("rdv:invitation_lieux", args=[invited["token"], other.pk]))
    assert response.status_code == 404 and "ne se réserve pas en ligne" in response.content.decode()
    assert not Rendezvous.objects.exists()
