"""Factories for the back-office tests of the citizen reference (identity mediation)."""

import factory

from grc.models import ContactPoint, DuplicateSuspicion, Household, HouseholdMembership, Membership
from tests.factories import CitizenFactory, MembershipFactory


class DuplicateSuspicionFactory(factory.django.DjangoModelFactory):
    """A suspicion between two new citizens, stored in the ``citizen_a_id < citizen_b_id`` order."""

    class Meta:
        model = DuplicateSuspicion

    citizen_a = factory.SubFactory(CitizenFactory)
    citizen_b = factory.SubFactory(CitizenFactory)
    score = 0.87
    reasons = factory.LazyFunction(lambda: ["Même date de naissance", "Noms proches"])

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        a, b = kwargs["citizen_a"], kwargs["citizen_b"]
        if a.pk > b.pk:
            kwargs["citizen_a"], kwargs["citizen_b"] = b, a
        return super()._create(model_class, *args, **kwargs)


class ContactPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactPoint

    citizen = factory.SubFactory(CitizenFactory)
    kind = ContactPoint.Kind.EMAIL
    value = factory.Sequence(lambda n: f"usager{n}@example.net")


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    label = factory.Sequence(lambda n: f"Foyer test {n}")


class HouseholdMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HouseholdMembership

    household = factory.SubFactory(HouseholdFactory)
    citizen = factory.SubFactory(CitizenFactory)
    role = HouseholdMembership.Role.DECLARANT


def mediator():
    """A team manager: may decide suspicions, merge and undo."""
    return MembershipFactory(role=Membership.Role.TEAM_MANAGER).user


def citizen_form_data(**overrides):
    """What an agent types in the back office's new-citizen form (identity, address, contacts), with overrides."""
    data = {
        "birth_name": "Kerhervé",
        "usage_name": "",
        "first_names": "Gwenaëlle Marie",
        "birth_date": "12/04/1987",
        "birth_place": "Quimper",
        "birth_country": "France",
        "sex": "F",
        "nir": "",
        "assurance_level": "1",
        "line1": "3 rue des Lilas",
        "line2": "",
        "postcode": "35700",
        "city": "Rennes",
        "phone": "06 12 34 56 78",
        "email": "gwen@example.net",
    }
    data.update(overrides)
    return data
