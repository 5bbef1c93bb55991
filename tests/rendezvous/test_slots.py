"""Free slots computed from the rules: opening slots, delays, holidays, absences, taken appointments, groups."""

import datetime
import random
import zoneinfo

import pytest
from django.db import IntegrityError, transaction

from rendezvous.models import Absence, Participant, Rendezvous
from rendezvous.slots import free_slots, is_holiday, next_free_by_lieu, slot_find
from tests.factories import CitizenFactory, UserFactory
from tests.rendezvous.factories import LieuFactory, MotifFactory, PlageFactory, RendezvousFactory

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
MONDAY = datetime.date(2027, 3, 1)  # a week without public holiday


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=PARIS)


@pytest.fixture
def setup():
    agent = UserFactory(staff=True)
    motif = MotifFactory(duration_minutes=30, min_booking_delay_minutes=60, max_booking_delay_days=7)
    lieu = LieuFactory()
    plage = PlageFactory(agent=agent, lieu=lieu, first_day=MONDAY, motifs=[motif])
    return agent, motif, lieu, plage


def test_a_week_of_mornings_gives_six_half_hours_a_day(setup, django_assert_max_num_queries):
    agent, motif, lieu, plage = setup
    with django_assert_max_num_queries(3):
        slots = free_slots(motif=motif, now=at(MONDAY, 7))
    # Monday to Friday 9:00–12:00 by 30 minutes; the next Monday 9:00 is past the 7-day maximum delay.
    assert len(slots) == 5 * 6
    assert slots[0].starts_at == at(MONDAY, 9)
    assert slots[-1].starts_at == at(MONDAY + datetime.timedelta(days=4), 11, 30)
    assert {s.agent_id for s in slots} == {agent.pk} and {s.lieu_id for s in slots} == {lieu.pk}
    assert all(s.ends_at - s.starts_at == datetime.timedelta(minutes=30) for s in slots)


def test_minimum_delay_hides_the_next_hour(setup):
    _agent, motif, _lieu, _plage = setup
    slots = free_slots(motif=motif, now=at(MONDAY, 9, 10), end=at(MONDAY, 23))
    assert [s.starts_at for s in slots] == [at(MONDAY, 10, 30), at(MONDAY, 11), at(MONDAY, 11, 30)]


def test_agents_are_not_held_to_the_delays_but_never_to_the_past(setup):
    _agent, motif, _lieu, _plage = setup
    slots = free_slots(motif=motif, now=at(MONDAY, 9, 10), end=at(MONDAY, 23), enforce_delays=False)
    assert [s.starts_at for s in slots] == [
        at(MONDAY, 9, 30),
        at(MONDAY, 10),
        at(MONDAY, 10, 30),
        at(MONDAY, 11),
        at(MONDAY, 11, 30),
    ]


def test_public_holiday_has_no_slot():
    easter_monday = datetime.date(2027, 3, 29)
    motif = MotifFactory(min_booking_delay_minutes=0, max_booking_delay_days=30)
    PlageFactory(first_day=easter_monday, motifs=[motif])
    slots = free_slots(motif=motif, now=at(easter_monday, 7), end=at(easter_monday + datetime.timedelta(days=1), 23))
    assert {s.starts_at.astimezone(PARIS).date() for s in slots} == {easter_monday + datetime.timedelta(days=1)}


def test_absence_and_appointments_take_their_slots(setup):
    agent, motif, lieu, _plage = setup
    Absence.objects.create(agent=agent, starts_at=at(MONDAY, 9), ends_at=at(MONDAY, 10, 15), title="Formation")
    # An appointment of another motif of the same agent blocks too; a cancelled one does not.
    other = MotifFactory(team=motif.team, duration_minutes=45)
    RendezvousFactory(agent=agent, motif=other, lieu=lieu, starts_at=at(MONDAY, 11))
    RendezvousFactory(
        agent=agent, motif=motif, lieu=lieu, starts_at=at(MONDAY, 10, 30), status="annule", cancelled_at=at(MONDAY, 7)
    )
    slots = free_slots(motif=motif, now=at(MONDAY, 7), end=at(MONDAY, 23))
    # 9:00–10:15 absent (9:00, 9:30, 10:00 gone), 11:00–11:45 taken (11:00, 11:30 gone).
    assert [s.starts_at for s in slots] == [at(MONDAY, 10, 30)]


def test_every_other_week_until_an_end_date():
    motif = MotifFactory(min_booking_delay_minutes=0, max_booking_delay_days=60)
    PlageFactory(
        first_day=MONDAY,
        until=MONDAY + datetime.timedelta(days=27),
        weekdays=[2],
        every_weeks=2,
        start_time=datetime.time(14),
        end_time=datetime.time(15),
        motifs=[motif],
    )
    days = sorted({s.starts_at.astimezone(PARIS).date() for s in free_slots(motif=motif, now=at(MONDAY, 7))})
    # Wednesdays of weeks 1 and 3 only; the plage ends before the fifth week.
    assert days == [datetime.date(2027, 3, 3), datetime.date(2027, 3, 17)]


def test_one_off_permanence_runs_only_while_its_lieu_is_available():
    motif = MotifFactory(min_booking_delay_minutes=0, max_booking_delay_days=30)
    lieu = LieuFactory(
        kind="permanence",
        available_from=MONDAY + datetime.timedelta(days=1),
        available_until=MONDAY + datetime.timedelta(days=2),
    )
    PlageFactory(lieu=lieu, first_day=MONDAY, motifs=[motif])
    days = sorted({s.starts_at.astimezone(PARIS).date() for s in free_slots(motif=motif, now=at(MONDAY, 7))})
    assert days == [datetime.date(2027, 3, 2), datetime.date(2027, 3, 3)]


def test_inactive_things_offer_nothing(setup):
    agent, motif, lieu, plage = setup
    lieu.is_active = False
    lieu.save()
    assert free_slots(motif=motif, now=at(MONDAY, 7)) == []
    lieu.is_active = True
    lieu.save()
    agent.is_active = False
    agent.save()
    assert free_slots(motif=motif, now=at(MONDAY, 7)) == []


def test_group_session_counts_its_places():
    agent = UserFactory(staff=True)
    motif = MotifFactory(capacity=3, duration_minutes=60, min_booking_delay_minutes=0)
    lieu = LieuFactory()
    PlageFactory(
        agent=agent,
        lieu=lieu,
        first_day=MONDAY,
        start_time=datetime.time(9),
        end_time=datetime.time(10),
        motifs=[motif],
    )
    session = RendezvousFactory(agent=agent, motif=motif, lieu=lieu, starts_at=at(MONDAY, 9))
    for _ in range(2):
        Participant.objects.create(rendezvous=session, citizen=CitizenFactory())
    Participant.objects.create(rendezvous=session, citizen=CitizenFactory(), status=Participant.Status.ANNULE)
    [slot] = slot_find(motif=motif, starts_at=at(MONDAY, 9), now=at(MONDAY, 7))
    assert (slot.places_left, slot.rendezvous_id) == (1, session.pk)
    Participant.objects.create(rendezvous=session, citizen=CitizenFactory())
    assert slot_find(motif=motif, starts_at=at(MONDAY, 9), now=at(MONDAY, 7)) == []


def test_two_agents_at_one_lieu_give_two_slots_at_the_same_time(setup):
    _agent, motif, lieu, _plage = setup
    PlageFactory(lieu=lieu, first_day=MONDAY, motifs=[motif])
    slots = slot_find(motif=motif, starts_at=at(MONDAY, 9), now=at(MONDAY, 7))
    assert len(slots) == 2 and len({s.agent_id for s in slots}) == 2
    RendezvousFactory(agent_id=slots[0].agent_id, motif=motif, lieu=lieu, starts_at=at(MONDAY, 9))
    assert [s.agent_id for s in slot_find(motif=motif, starts_at=at(MONDAY, 9), now=at(MONDAY, 7))] == [
        slots[1].agent_id
    ]
    assert Rendezvous.objects.count() == 1


def test_next_free_slot_of_each_lieu_is_one_reading_of_the_window(setup, django_assert_max_num_queries):
    _agent, motif, lieu, _plage = setup
    motif.max_booking_delay_days = 30
    motif.save()
    later = LieuFactory()
    PlageFactory(lieu=later, first_day=MONDAY + datetime.timedelta(days=14), motifs=[motif])
    with django_assert_max_num_queries(3):  # opening slots, busy versions, busy intervals
        found, end = next_free_by_lieu(motif=motif, lieu_ids=[lieu.pk, later.pk], now=at(MONDAY, 7))
    assert found[lieu.pk].starts_at == at(MONDAY, 9)
    assert found[later.pk].starts_at == at(MONDAY + datetime.timedelta(days=14), 9)
    assert end == at(MONDAY, 7) + datetime.timedelta(days=30)


def test_array_computation_matches_a_naive_reading_of_the_rules():
    """A random week-by-week world checked against a naive loop written here, rule by rule, from the docstring."""
    rng = random.Random(15)
    motif = MotifFactory(duration_minutes=20, min_booking_delay_minutes=0, max_booking_delay_days=40)
    other = MotifFactory(duration_minutes=50)
    agents = [UserFactory(staff=True) for _ in range(3)]
    lieux = [LieuFactory(), LieuFactory()]
    plages = []
    for agent in agents:
        plages.append(
            PlageFactory(
                agent=agent,
                lieu=rng.choice(lieux),
                first_day=MONDAY + datetime.timedelta(days=rng.randrange(10)),
                until=MONDAY + datetime.timedelta(days=rng.randrange(20, 45)),
                weekdays=sorted(rng.sample(range(7), 4)),
                start_time=datetime.time(8, 40),
                end_time=datetime.time(12, 10),
                every_weeks=rng.choice([1, 2]),
                motifs=[motif],
            )
        )
        for _ in range(25):
            starts = at(
                MONDAY + datetime.timedelta(days=rng.randrange(40)), rng.randrange(8, 12), rng.choice([0, 10, 25, 40])
            )
            if not Rendezvous.objects.filter(
                agent=agent, status="active", starts_at__lt=starts + datetime.timedelta(minutes=50), ends_at__gt=starts
            ).exists():
                RendezvousFactory(agent=agent, motif=other, lieu=lieux[0], starts_at=starts)
        day = MONDAY + datetime.timedelta(days=rng.randrange(30))
        Absence.objects.create(
            agent=agent, starts_at=at(day, 10, 5), ends_at=at(day + datetime.timedelta(days=rng.randrange(3)), 11)
        )
    now = at(MONDAY, 9)
    got = {(s.starts_at, s.agent_id, s.lieu_id) for s in free_slots(motif=motif, now=now)}
    expected = _naive(plages, now)
    assert got == expected and len(expected) > 100
    # Writes of every kind after that reading (the busy intervals are now cached): cancelled, moved to another
    # time and to another agent, an absence removed, another added, a new appointment. The next reading sees all.
    active = list(Rendezvous.objects.filter(status="active").order_by("pk"))
    for rendezvous in rng.sample(active, 5):
        Rendezvous.objects.filter(pk=rendezvous.pk).update(status="annule", cancelled_at=now)
    for rendezvous in rng.sample(active, 6):
        week_later = {"starts_at": rendezvous.starts_at + datetime.timedelta(days=7)}
        week_later["ends_at"] = rendezvous.ends_at + datetime.timedelta(days=7)
        other_agent = {"agent": agents[(agents.index(rendezvous.agent) + 1) % 3]}
        for change in (week_later, other_agent):
            try:  # refused when it would overlap another appointment: a rolled-back write is a case too
                with transaction.atomic():
                    Rendezvous.objects.filter(pk=rendezvous.pk).update(**change)
            except IntegrityError:
                pass
    Absence.objects.filter(pk=Absence.objects.order_by("pk").values_list("pk", flat=True)[0]).delete()
    Absence.objects.create(
        agent=agents[1],
        starts_at=at(MONDAY + datetime.timedelta(days=9), 8),
        ends_at=at(MONDAY + datetime.timedelta(days=9), 12),
    )
    free_of_third = min(slot for slot in got if slot[1] == agents[2].pk)
    RendezvousFactory(agent=agents[2], motif=motif, lieu=lieux[0], starts_at=free_of_third[0])
    got = {(s.starts_at, s.agent_id, s.lieu_id) for s in free_slots(motif=motif, now=now)}
    assert got == _naive(plages, now) != expected


def _naive(plages, now):
    """The free slots of ``plages`` from ``now``, by a plain loop over every candidate and every busy interval."""
    busy = [(r.agent_id, r.starts_at, r.ends_at) for r in Rendezvous.objects.filter(status="active")]
    busy += [(a.agent_id, a.starts_at, a.ends_at) for a in Absence.objects.all()]
    expected = set()
    for plage in plages:
        for n in range(42):
            day = MONDAY + datetime.timedelta(days=n)
            if day.weekday() not in plage.weekdays or day < plage.first_day or day > plage.until or is_holiday(day):
                continue
            if (
                (day - (plage.first_day - datetime.timedelta(days=plage.first_day.weekday()))).days // 7
            ) % plage.every_weeks:
                continue
            start = at(day, 8, 40)
            while start + datetime.timedelta(minutes=20) <= at(day, 12, 10):
                end = start + datetime.timedelta(minutes=20)
                free = not any(a == plage.agent_id and s < end and e > start for a, s, e in busy)
                if free and now <= start <= now + datetime.timedelta(days=40):
                    expected.add((start, plage.agent_id, plage.lieu_id))
                start = end
    return expected
