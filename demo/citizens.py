"""The demo citizens: deterministic people in living units (households), and the planted near-duplicates.

Unit ``i`` is always the same people whatever the requested total; a unit whose declarant already
exists is skipped, so a second run creates nothing. Citizens are created through ``citizen_create``
(history kept); households in bulk with their history rows.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from faker import Faker
from simple_history.utils import bulk_create_with_history

from grc.matching.names import fold
from grc.models import Citizen, Household, HouseholdMembership
from grc.nir import key as nir_key
from grc.services.citizens import citizen_create

from . import data
from .records import CHANGE_REASON, Counts


class DemoPeople:
    """Deterministic demo identities: unit ``i`` is always the same whatever the requested total."""

    def __init__(self, seed: int):
        self.seed = seed
        self.faker = Faker("fr_FR")
        self.streets = [f"{t} {n}" for t in data.STREET_TYPES for n in data.STREET_NAMES]

    def address(self, rng) -> dict:
        commune = rng.choice(data.COMMUNES)
        return {
            "line1": f"{rng.randint(1, 90)} {rng.choice(self.streets)}",
            "postcode": commune.postcode,
            "city": commune.name,
            "insee_code": commune.insee,
            "start_date": datetime.date(rng.randint(2005, 2025), rng.randint(1, 12), rng.randint(1, 28)),
        }

    def contacts(self, rng, first_names: str, name: str, index: int) -> list[dict]:
        contacts = []
        if rng.random() < 0.8:
            mobile = f"0{rng.choice('67')} {' '.join(f'{rng.randint(0, 99):02d}' for _ in range(4))}"
            contacts.append({"kind": "mobile", "value": mobile, "is_primary": True})
        if rng.random() < 0.6:
            local = f"{fold(first_names.split(',')[0])}.{fold(name)}{index % 100}".lower().replace(" ", "-")
            contacts.append({"kind": "email", "value": f"{local}@example.org", "is_primary": not contacts})
        return contacts

    def _birth_place(self, rng) -> tuple[str, str, str]:
        if rng.random() < 0.7:
            commune = rng.choice(data.COMMUNES)
            return commune.name, commune.insee, "France"
        return rng.choice(data.OTHER_BIRTH_PLACES)

    def _person(self, rng, *, sex, birth_name, birth_date, usage_name="", role=""):
        place, code, country = self._birth_place(rng)
        first = self.faker.first_name_female() if sex == "F" else self.faker.first_name_male()
        if rng.random() < 0.35:
            second = self.faker.first_name_female() if sex == "F" else self.faker.first_name_male()
            first = f"{first}, {second}" if second != first else first
        nir = ""
        if rng.random() < 0.5:
            first13 = f"{1 if sex == 'M' else 2}{birth_date:%y%m}{code}{rng.randint(1, 999):03d}"
            nir = f"{first13}{nir_key(first13):02d}"
        identity = {
            "birth_name": birth_name,
            "usage_name": usage_name,
            "first_names": first,
            "birth_date": birth_date,
            "birth_place": place,
            "birth_place_code": code,
            "birth_country": country,
            "sex": sex,
            "nir": nir,
            "assurance_level": rng.choices((1, 2, 3), weights=(60, 30, 10))[0],
        }
        return identity, role

    def unit(self, index: int) -> tuple[list[tuple[dict, str]], dict]:
        """Unit ``index``: people (identity, household role) sharing one address."""
        rng = data.demo_random(self.seed * 1_000_003 + index)
        self.faker.seed_instance(self.seed * 1_000_003 + index)
        kind = rng.choices(("single", "couple", "family", "single_parent"), weights=(45, 15, 28, 12))[0]
        address = self.address(rng)

        def adult_birth(lo=1935, hi=2004):
            return datetime.date(rng.randint(lo, hi), rng.randint(1, 12), rng.randint(1, 28))

        name = self.faker.last_name()
        if kind == "single":
            sex = rng.choice("FM")
            usage = self.faker.last_name() if sex == "F" and rng.random() < 0.2 else ""
            return [self._person(rng, sex=sex, birth_name=name, birth_date=adult_birth(), usage_name=usage)], address
        first_sex = rng.choice("FM") if kind == "single_parent" else "M"
        first_birth = adult_birth(1950, 2000)
        people = [self._person(rng, sex=first_sex, birth_name=name, birth_date=first_birth, role="declarant")]
        if kind in {"couple", "family"}:
            married = rng.random() < 0.6
            spouse_birth = adult_birth(max(1935, first_birth.year - 6), min(2004, first_birth.year + 6))
            people.append(
                self._person(
                    rng,
                    sex="F",
                    birth_name=self.faker.last_name(),
                    birth_date=spouse_birth,
                    usage_name=name if married else "",
                    role="conjoint",
                )
            )
        if kind in {"family", "single_parent"}:
            for _ in range(rng.randint(1, 3)):
                year = min(2025, rng.randint(first_birth.year + 20, first_birth.year + 42))
                child_birth = datetime.date(year, rng.randint(1, 12), rng.randint(1, 28))
                people.append(
                    self._person(rng, sex=rng.choice("FM"), birth_name=name, birth_date=child_birth, role="enfant")
                )
        return people, address


def identity_exists(identity: dict) -> Citizen | None:
    """The citizen of this demo identity (names and birth date), if a run already created them."""
    return Citizen.objects.filter(
        birth_name=identity["birth_name"],
        usage_name=identity["usage_name"],
        first_names=identity["first_names"],
        birth_date=identity["birth_date"],
    ).first()


def _create_citizen(identity: dict, *, actor, address: dict, contacts: list[dict]) -> Citizen:
    if identity.get("nir") and Citizen.objects.filter(nir=identity["nir"], status=Citizen.Status.ACTIVE).exists():
        identity = {**identity, "nir": ""}
    return citizen_create(actor=actor, address=address, contacts=contacts, **identity)


@transaction.atomic
def seed_planted_duplicates(*, actor, counts: Counts, seed: int) -> None:
    """The planted near-duplicate pairs and homonyms of ``data.PLANTED_PAIRS``."""
    people = DemoPeople(seed)
    for index, pair in enumerate(data.PLANTED_PAIRS):
        rng = data.demo_random(seed * 7919 + index)
        shared_address = people.address(rng)
        for record in (pair.a, pair.b):
            address = shared_address if pair.duplicate else people.address(rng)
            if identity_exists(record) is not None:
                counts.add("usagers (doublons plantés)", created=False)
                continue
            citizen_create(actor=actor, address=address, contacts=[], **record)
            counts.add("usagers (doublons plantés)", created=True)


@transaction.atomic
def seed_demo_citizens(*, count: int, actor, counts: Counts, seed: int) -> None:
    """About ``count`` demo citizens in living units, created through ``citizen_create`` (history kept)."""
    people = DemoPeople(seed)
    total = 0
    index = 0
    households, memberships = [], []
    while total < count:
        members, address = people.unit(index)
        total += len(members)
        declarant = members[0][0]
        if identity_exists(declarant) is not None:
            for _ in members:
                counts.add("usagers de démonstration", created=False)
            if len(members) > 1:
                counts.add("foyers", created=False)
            index += 1
            continue
        rng = data.demo_random(seed * 31 + index)
        created = []
        for identity, role in members:
            contacts = people.contacts(
                rng, identity["first_names"], identity["usage_name"] or identity["birth_name"], index
            )
            created.append((_create_citizen(identity, actor=actor, address=address, contacts=contacts), role))
            counts.add("usagers de démonstration", created=True)
        if len(created) > 1:
            household = Household(label=f"Foyer {declarant['birth_name'].upper()} — {address['city']}")
            households.append(household)
            memberships.append(
                [
                    HouseholdMembership(citizen=citizen, role=role, start_date=address["start_date"])
                    for citizen, role in created
                ]
            )
        index += 1
    if households:
        bulk_create_with_history(households, Household, default_user=actor, default_change_reason=CHANGE_REASON)
        rows = []
        for household, members in zip(households, memberships, strict=True):
            for membership in members:
                membership.household = household
                rows.append(membership)
        bulk_create_with_history(rows, HouseholdMembership, default_user=actor, default_change_reason=CHANGE_REASON)
        for _ in households:
            counts.add("foyers", created=True)
