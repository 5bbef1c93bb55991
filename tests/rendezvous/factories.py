"""Factories for the appointments app (shared by the rendezvous tests)."""

import datetime

import factory

from rendezvous.models import Lieu, Motif, Participant, PlageOuverture, Rendezvous
from tests.factories import CitizenFactory, SiteFactory, TeamFactory, UserFactory


class LieuFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lieu

    name = factory.Sequence(lambda n: f"CDAS de test {n}")
    kind = Lieu.Kind.CDAS
    site = factory.SubFactory(SiteFactory)
    address = "1 rue de la Mairie"
    postcode = "35000"
    city = "Rennes"
    opening_hours = "Mo-Fr 08:30-12:00,13:30-17:00; PH off"


class MotifFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Motif

    team = factory.SubFactory(TeamFactory)
    name = factory.Sequence(lambda n: f"Premier accueil {n}")
    duration_minutes = 30
    min_booking_delay_minutes = 60
    max_booking_delay_days = 56
    bookable_by = Motif.BookableBy.CITOYENS
    cancel_until_hours = 24


class PlageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlageOuverture
        skip_postgeneration_save = True

    agent = factory.SubFactory(UserFactory, staff=True)
    lieu = factory.SubFactory(LieuFactory)
    first_day = datetime.date(2026, 1, 5)
    until = None
    weekdays = [0, 1, 2, 3, 4]
    start_time = datetime.time(9, 0)
    end_time = datetime.time(12, 0)
    every_weeks = 1

    @factory.post_generation
    def motifs(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.motifs.set(extracted)


class RendezvousFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rendezvous

    motif = factory.SubFactory(MotifFactory)
    lieu = factory.SubFactory(LieuFactory)
    agent = factory.SubFactory(UserFactory, staff=True)
    starts_at = factory.LazyFunction(lambda: datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(minutes=o.motif.duration_minutes))
    capacity = factory.SelfAttribute("motif.capacity")


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    rendezvous = factory.SubFactory(RendezvousFactory)
    citizen = factory.SubFactory(CitizenFactory)
