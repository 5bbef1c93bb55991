"""The per-process cache of agents' busy intervals (``rendezvous.busy``): served in one query while nothing changed,
read again after any write of the agent's appointments or absences, including a write rolled back (a write by
another connection: ``test_booking``'s concurrent bookings)."""

import datetime
import zoneinfo

import pytest
from django.db import transaction

from rendezvous import busy
from rendezvous.models import Absence, Rendezvous
from rendezvous.slots import free_slots
from tests.factories import UserFactory
from tests.rendezvous.factories import LieuFactory, MotifFactory, PlageFactory, RendezvousFactory

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
MONDAY = datetime.date(2027, 3, 1)
NOW = datetime.datetime.combine(MONDAY, datetime.time(7), tzinfo=PARIS)


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(MONDAY + datetime.timedelta(days=day), datetime.time(hour, minute), tzinfo=PARIS)


@pytest.fixture
def world(db):
    motif = MotifFactory(min_booking_delay_minutes=0, max_booking_delay_days=14)
    agents = [UserFactory(staff=True), UserFactory(staff=True)]
    lieu = LieuFactory()
    for agent in agents:
        PlageFactory(agent=agent, lieu=lieu, first_day=MONDAY, motifs=[motif])
    busy.cache_clear()
    return {"motif": motif, "agents": agents, "lieu": lieu}


def starts(world, agent=None) -> set:
    return {s.starts_at for s in free_slots(motif=world["motif"], now=NOW) if agent is None or s.agent_id == agent.pk}


def test_a_second_reading_is_two_queries_and_the_same_slots(world, django_assert_num_queries):
    with django_assert_num_queries(3):  # opening slots, busy versions, intervals
        first = starts(world)
    with django_assert_num_queries(2):  # opening slots, busy versions: the intervals come from the cache
        assert starts(world) == first
    assert len(first) == 10 * 6  # two weeks of weekday mornings, one agent's starts shadow the other's


def test_each_kind_of_write_is_seen_by_the_next_reading(world):
    agent, other = world["agents"]
    starts(world)  # cached
    rendezvous = RendezvousFactory(agent=agent, motif=world["motif"], lieu=world["lieu"], starts_at=at(1, 9))
    assert at(1, 9) not in starts(world, agent) and at(1, 9) in starts(world, other)
    Rendezvous.objects.filter(pk=rendezvous.pk).update(starts_at=at(1, 10), ends_at=at(1, 10, 30))
    assert at(1, 9) in starts(world, agent) and at(1, 10) not in starts(world, agent)
    Rendezvous.objects.filter(pk=rendezvous.pk).update(agent=other)  # both agents' versions change
    assert at(1, 10) in starts(world, agent) and at(1, 10) not in starts(world, other)
    Rendezvous.objects.filter(pk=rendezvous.pk).update(status="annule", cancelled_at=NOW)
    assert at(1, 10) in starts(world, other)
    absence = Absence.objects.create(agent=agent, starts_at=at(2, 8), ends_at=at(3, 18))
    assert not {at(2, 9), at(3, 11, 30)} & starts(world, agent)
    absence.delete()
    assert {at(2, 9), at(3, 11, 30)} <= starts(world, agent)


def test_a_write_rolled_back_never_leaves_its_interval_in_the_cache(world):
    agent, _other = world["agents"]
    starts(world)
    with pytest.raises(RuntimeError), transaction.atomic():
        RendezvousFactory(agent=agent, motif=world["motif"], lieu=world["lieu"], starts_at=at(1, 9))
        assert at(1, 9) not in starts(world, agent)  # cached with the version drawn inside the transaction
        raise RuntimeError("rolled back")
    assert at(1, 9) in starts(world, agent)
    # The next write draws a new version from the sequence, never the rolled-back one again.
    RendezvousFactory(agent=agent, motif=world["motif"], lieu=world["lieu"], starts_at=at(1, 11))
    free = starts(world, agent)
    assert at(1, 9) in free and at(1, 11) not in free


def test_the_appointment_being_moved_does_not_hold_its_own_time(world):
    agent, _other = world["agents"]
    rendezvous = RendezvousFactory(agent=agent, motif=world["motif"], lieu=world["lieu"], starts_at=at(1, 9))
    starts(world)
    moving = free_slots(motif=world["motif"], now=NOW, agent_ids=[agent.pk], exclude_rendezvous_id=rendezvous.pk)
    assert at(1, 9) in {s.starts_at for s in moving}
    assert at(1, 9) not in starts(world, agent)
