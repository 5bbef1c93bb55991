"""Factories shared by every test package (factory_boy), with traits for roles."""

import datetime

import factory
from django_otp.plugins.otp_static.models import StaticDevice

from grc.matching.names import normalised_fields
from grc.models import Address, Citizen, Membership, Site, Team, Territory, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    password = factory.PostGenerationMethodCall("set_password", "motdepasse-solide-42")

    class Params:
        staff = factory.Trait(is_staff=True)
        citizen_account = factory.Trait(is_staff=False)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class TerritoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Territory
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Pays test {n}")
    code = factory.Sequence(lambda n: f"pays-test-{n}")


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    name = factory.Sequence(lambda n: f"CDAS test {n}")
    kind = Site.Kind.CDAS
    territory = factory.SubFactory(TerritoryFactory)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Équipe {n}")
    code = factory.Sequence(lambda n: f"equipe-{n}")
    kind = Team.Kind.POLYVALENCE
    site = factory.SubFactory(SiteFactory)
    territory = factory.SelfAttribute("site.territory")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory, staff=True)
    team = factory.SubFactory(TeamFactory)
    role = Membership.Role.SOCIAL_WORKER
    start_date = datetime.date(2024, 1, 1)


class CitizenFactory(factory.django.DjangoModelFactory):
    """A citizen with its normalised matching columns filled like the services do."""

    class Meta:
        model = Citizen

    birth_name = factory.Faker("last_name", locale="fr_FR")
    usage_name = ""
    first_names = factory.Faker("first_name", locale="fr_FR")
    birth_date = factory.Faker("date_of_birth", minimum_age=1, maximum_age=95)
    birth_place = "Rennes"
    sex = Citizen.Sex.UNKNOWN

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        kwargs.update(
            normalised_fields(
                birth_name=kwargs.get("birth_name", ""),
                usage_name=kwargs.get("usage_name", ""),
                first_names=kwargs.get("first_names", ""),
            )
        )
        return super()._create(model_class, *args, **kwargs)


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    citizen = factory.SubFactory(CitizenFactory)
    line1 = factory.Faker("street_address", locale="fr_FR")
    postcode = "35000"
    city = "Rennes"
    insee_code = "35238"


def verify_otp(client, user):
    """Log ``user`` into the test client with a verified second factor (a real static device)."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client
