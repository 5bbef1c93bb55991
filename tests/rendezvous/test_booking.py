"""Booking, cancelling and moving: the rules, the French refusals, nothing lost, and one slot for one person."""

import datetime
import threading
import zoneinfo

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection

from dossier_unique.models import TimelineEntry
from grc.models import Membership
from rendezvous import services
from rendezvous.models import Invitation, Participant, Rendezvous
from rendezvous.slots import slot_find
from tests.factories import CitizenFactory, MembershipFactory, UserFactory
from tests.rendezvous.factories import LieuFactory, MotifFactory, PlageFactory

# A transactional test is flushed after; the access log refuses TRUNCATE, so it stays out of the flush.
FLUSHABLE_APPS = [config.name for config in apps.get_app_configs() if config.label != "audit"]
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
MONDAY = datetime.date(2027, 3, 1)
NOW = datetime.datetime.combine(MONDAY, datetime.time(7), tzinfo=PARIS)


def at(day_offset: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(
        MONDAY + datetime.timedelta(days=day_offset), datetime.time(hour, minute), tzinfo=PARIS
    )


@pytest.fixture
def world(db):
    agent = UserFactory(staff=True)
    motif = MotifFactory(min_booking_delay_minutes=60, max_booking_delay_days=14, cancel_until_hours=24)
    lieu = LieuFactory()
    PlageFactory(agent=agent, lieu=lieu, first_day=MONDAY, motifs=[motif])
    account = UserFactory(citizen_account=True)
    citizen = CitizenFactory(user=account)
    return {"agent": agent, "motif": motif, "lieu": lieu, "account": account, "citizen": citizen}


def book(world, starts_at, *, citizen=None, channel=Rendezvous.Channel.PORTAIL, now=NOW, **kwargs):
    citizen = citizen or world["citizen"]
    return services.rdv_book(
        motif=kwargs.pop("motif", world["motif"]),
        starts_at=starts_at,
        citizen=citizen,
        actor=kwargs.pop("actor", world["account"]),
        channel=channel,
        lieu=kwargs.pop("lieu", world["lieu"]),
        email=kwargs.pop("email", "camille@example.org"),
        now=now,
        **kwargs,
    )


def refusal(excinfo) -> str:
    return " ".join(excinfo.value.messages)


def test_citizen_books_a_free_slot_with_history_and_timeline(world):
    participant = book(world, at(1, 9, 30), phone="06 12 34 56 78", notify_sms=True)
    rendezvous = participant.rendezvous
    assert (rendezvous.agent, rendezvous.lieu, rendezvous.starts_at) == (world["agent"], world["lieu"], at(1, 9, 30))
    assert rendezvous.ends_at == at(1, 10)
    assert (rendezvous.channel, rendezvous.created_by, rendezvous.status) == ("portail", world["account"], "active")
    assert participant.phone == "+33612345678" and participant.notify_sms
    assert rendezvous.history.count() == 1 and participant.history.first().history_user == world["account"]
    entry = TimelineEntry.objects.get(citizen=world["citizen"], kind=TimelineEntry.Kind.APPOINTMENT)
    assert world["motif"].name in entry.title


def test_second_booking_of_the_slot_is_refused_and_nothing_is_written(world):
    book(world, at(1, 9))
    other = CitizenFactory()
    with pytest.raises(ValidationError) as excinfo:
        book(world, at(1, 9), citizen=other)
    assert "Ce créneau vient d'être pris" in refusal(excinfo)
    assert Rendezvous.objects.count() == 1 and Participant.objects.count() == 1
    assert not TimelineEntry.objects.filter(citizen=other).exists()


@pytest.mark.parametrize(
    ("starts_at", "expected"),
    [
        (at(-1, 10), "déjà passé"),
        (at(0, 7, 30), "trop proche"),
        (at(15, 9), "trop lointain"),
        (at(1, 9, 10), "n'est pas proposé"),
        (at(1, 14), "n'est pas proposé"),
    ],
    ids=["past", "too-soon", "too-far", "off-grid", "outside-the-plage"],
)
def test_bad_slots_get_a_french_reason(world, starts_at, expected):
    with pytest.raises(ValidationError) as excinfo:
        book(world, starts_at)
    assert expected in refusal(excinfo)
    assert not Rendezvous.objects.exists()


def test_motifs_not_open_online_are_refused_to_citizens_but_not_to_agents(world):
    motif = world["motif"]
    motif.bookable_by = "agents"
    motif.save()
    with pytest.raises(ValidationError) as excinfo:
        book(world, at(1, 9))
    assert "ne se réserve pas en ligne" in refusal(excinfo)
    outsider = UserFactory(staff=True)
    with pytest.raises(ValidationError):
        book(world, at(1, 9), channel="agent", actor=outsider)
    member = MembershipFactory(team=motif.team, role=Membership.Role.SOCIAL_WORKER).user
    # Agents are not held to the delays: 7:30 on the same morning is fine for them.
    participant = book(
        world,
        at(0, 9),
        channel="agent",
        actor=member,
        now=datetime.datetime.combine(MONDAY, datetime.time(8, 45), tzinfo=PARIS),
    )
    assert participant.rendezvous.channel == "agent"


def test_bad_phone_number_is_refused_on_its_field(world):
    with pytest.raises(ValidationError) as excinfo:
        book(world, at(1, 9), phone="01 23", notify_sms=True)
    assert "phone" in excinfo.value.error_dict
    assert not Rendezvous.objects.exists()


def test_one_upcoming_appointment_per_motif_online(world):
    book(world, at(1, 9))
    with pytest.raises(ValidationError) as excinfo:
        book(world, at(2, 9))
    assert "déjà un rendez-vous à venir" in refusal(excinfo)


def test_citizen_cancels_until_the_limit_then_is_told_to_call(world):
    participant = book(world, at(1, 9))
    late = at(1, 9) - datetime.timedelta(hours=23)
    with pytest.raises(ValidationError) as excinfo:
        services.rdv_cancel(
            rendezvous=participant.rendezvous,
            participant=participant,
            actor=world["account"],
            by_citizen=True,
            now=late,
        )
    assert "trop tard pour annuler" in refusal(excinfo)
    assert Rendezvous.objects.get().status == "active"
    services.rdv_cancel(
        rendezvous=participant.rendezvous, participant=participant, actor=world["account"], by_citizen=True, now=NOW
    )
    rendezvous = Rendezvous.objects.get()
    assert rendezvous.status == "annule" and rendezvous.cancelled_at == NOW
    assert Participant.objects.get().status == "annule"
    # The slot is free again for someone else.
    assert book(world, at(1, 9), citizen=CitizenFactory()).rendezvous.pk != rendezvous.pk


def test_citizen_moves_within_the_rules_and_a_taken_slot_changes_nothing(world):
    participant = book(world, at(1, 9))
    other = book(world, at(1, 10), citizen=CitizenFactory())
    with pytest.raises(ValidationError) as excinfo:
        services.rdv_move(
            rendezvous=participant.rendezvous, starts_at=at(1, 10), actor=world["account"], by_citizen=True, now=NOW
        )
    assert "vient d'être pris" in refusal(excinfo)
    assert Rendezvous.objects.get(pk=participant.rendezvous_id).starts_at == at(1, 9)
    with pytest.raises(ValidationError) as excinfo:
        services.rdv_move(
            rendezvous=participant.rendezvous, starts_at=at(20, 9), actor=world["account"], by_citizen=True, now=NOW
        )
    assert "trop lointain" in refusal(excinfo)
    moved = services.rdv_move(
        rendezvous=participant.rendezvous, starts_at=at(2, 11), actor=world["account"], by_citizen=True, now=NOW
    )
    assert (moved.pk, moved.starts_at, moved.ends_at) == (participant.rendezvous_id, at(2, 11), at(2, 11, 30))
    assert other.rendezvous.starts_at == at(1, 10)
    # Its old slot is free again.
    assert book(world, at(1, 9), citizen=CitizenFactory()).rendezvous.starts_at == at(1, 9)


def test_group_session_fills_its_places_then_refuses(world):
    motif = MotifFactory(team=world["motif"].team, capacity=2, duration_minutes=60, min_booking_delay_minutes=0)
    PlageFactory(
        agent=world["agent"],
        lieu=world["lieu"],
        first_day=MONDAY,
        weekdays=[4],
        start_time=datetime.time(14),
        end_time=datetime.time(15),
        motifs=[motif],
    )
    first = book(world, at(4, 14), motif=motif, citizen=CitizenFactory())
    second = book(world, at(4, 14), motif=motif, citizen=CitizenFactory())
    assert first.rendezvous_id == second.rendezvous_id and first.rendezvous.capacity == 2
    with pytest.raises(ValidationError) as excinfo:
        book(world, at(4, 14), motif=motif, citizen=CitizenFactory())
    assert "vient d'être pris" in refusal(excinfo)
    # One participant leaving frees one place; the session stays for the other.
    services.rdv_cancel(
        rendezvous=first.rendezvous, participant=first, actor=world["account"], by_citizen=True, now=NOW
    )
    assert Rendezvous.objects.get(pk=first.rendezvous_id).status == "active"
    assert book(world, at(4, 14), motif=motif, citizen=CitizenFactory()).rendezvous_id == first.rendezvous_id


def test_invitation_books_once_for_its_citizen(world):
    motif = world["motif"]
    motif.bookable_by = "agents"  # invitations open motifs not offered online
    motif.save()
    invitation = Invitation.objects.create(
        token_hash="x" * 64,
        citizen=world["citizen"],
        motif=motif,
        created_by=world["agent"],
        expires_at=NOW + datetime.timedelta(days=7),
    )
    participant = book(world, at(1, 9), channel="invitation", invitation=invitation, actor=None)
    invitation.refresh_from_db()
    assert invitation.used_at == NOW and invitation.rendezvous_id == participant.rendezvous_id
    with pytest.raises(ValidationError):
        book(world, at(1, 10), channel="invitation", invitation=invitation, actor=None, citizen=CitizenFactory())


@pytest.mark.django_db(transaction=True, available_apps=FLUSHABLE_APPS)
def test_fifty_concurrent_bookings_of_one_slot_one_wins():
    """50 threads, each its own database connection, book the same slot at once: exactly one succeeds."""
    agent = UserFactory(staff=True)
    motif = MotifFactory(min_booking_delay_minutes=0, max_booking_delay_days=60)
    lieu = LieuFactory()
    PlageFactory(agent=agent, lieu=lieu, first_day=MONDAY, motifs=[motif])
    citizens = [CitizenFactory() for _ in range(50)]
    # This process' busy-interval cache holds the agent's free morning before the threads book.
    assert at(1, 9) in {s.starts_at for s in slot_find(motif=motif, starts_at=at(1, 9), now=NOW)}
    barrier = threading.Barrier(50)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(citizen):
        try:
            barrier.wait()
            services.rdv_book(
                motif=motif,
                starts_at=at(1, 9),
                citizen=citizen,
                actor=None,
                channel="portail",
                lieu=lieu,
                email="x@example.org",
                now=NOW,
            )
            result = "ok"
        except ValidationError as error:
            result = " ".join(error.messages)
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(citizen,)) for citizen in citizens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    close_old_connections()
    assert outcomes.count("ok") == 1
    assert sum("Ce créneau vient d'être pris" in o for o in outcomes) == 49
    assert Rendezvous.objects.count() == 1 and Participant.objects.count() == 1
    assert TimelineEntry.objects.filter(kind=TimelineEntry.Kind.APPOINTMENT).count() == 1
    # Committed by another connection: the cache's version check sees it.
    assert slot_find(motif=motif, starts_at=at(1, 9), now=NOW) == []


def test_a_booking_keeps_its_query_count(world, django_assert_max_num_queries):
    """Rules, one reading of the opening slots, the agent's lock, one reading of the busy intervals, the rows with
    their history, the timeline entry: no slot read twice (query count pinned)."""
    world["motif"].team  # noqa: B018  (loaded as the views load it)
    with django_assert_max_num_queries(16) as booking:
        book(world, at(1, 9, 30))
    sql = [query["sql"] for query in booking.captured_queries]
    assert sum("rendezvous_plageouverture" in q for q in sql) == 1
    assert sum("rendezvous_busy_version" in q and q.lstrip().startswith("SELECT") for q in sql) == 1
