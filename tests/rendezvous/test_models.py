"""Database guarantees of the appointments model (constraints that hold whatever the code above does)."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from tests.factories import UserFactory
from tests.rendezvous.factories import MotifFactory, RendezvousFactory

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def test_two_individual_appointments_of_one_agent_cannot_overlap():
    agent = UserFactory(staff=True)
    motif = MotifFactory()
    RendezvousFactory(agent=agent, motif=motif, starts_at=T0)
    with pytest.raises(IntegrityError), transaction.atomic():
        RendezvousFactory(agent=agent, motif=motif, starts_at=T0 + datetime.timedelta(minutes=15))
    # Back to back is allowed (half-open ranges) and so is a cancelled one on the same time.
    RendezvousFactory(agent=agent, motif=motif, starts_at=T0 + datetime.timedelta(minutes=30))
    RendezvousFactory(agent=agent, motif=motif, starts_at=T0, status="annule", cancelled_at=T0)
