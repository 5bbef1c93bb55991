"""Bulk load of synthetic citizens with PostgreSQL COPY, for benchmarks (``seed_demo --citizens N``).

Rows are generated from precomputed name pools (Faker per row is far too slow for a million rows),
the derived matching columns come from ``grc.matching.names.normalised_fields``, and every row gets its
creation row in the simple_history table (``history_type='+'``, reason "chargement en masse"), so
the bulk path stays history-aware like the services. Ids are drawn from the tables' own sequences,
so rows created concurrently or later never clash. About 1 % of the rows are perturbed copies of
another row (planted near-duplicates), so detection and its benchmarks have real work to do.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import time

from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm

from grc import nir as nir_rules
from grc.matching.names import fold, normalised_fields
from grc.models import Address, Citizen, Household, HouseholdMembership
from grc.services.citizens import IDENTITY_FIELDS

from . import data

CHANGE_REASON = "chargement en masse"
BATCH_SIZE = 10_000

CITIZEN_COLUMNS = (
    "id",
    *IDENTITY_FIELDS,
    "status",
    "created_at",
    "updated_at",
    "norm_birth_name",
    "norm_usage_name",
    "norm_first_names",
    "search_name",
    "search_phonetic",
    "merged_into_id",
    "user_id",
)
ADDRESS_COLUMNS = (
    "id",
    "citizen_id",
    "line1",
    "line2",
    "postcode",
    "city",
    "insee_code",
    "country",
    "start_date",
    "end_date",
)
HOUSEHOLD_COLUMNS = ("id", "label", "created_at")
MEMBERSHIP_COLUMNS = ("id", "household_id", "citizen_id", "role", "start_date", "end_date")
HISTORY_COLUMNS = ("history_date", "history_change_reason", "history_type", "history_user_id")

# model -> the column tuple the generator writes, checked against the live model so a schema
# change fails loudly here instead of loading wrong columns.
TABLES = {
    Citizen: CITIZEN_COLUMNS,
    Address: ADDRESS_COLUMNS,
    Household: HOUSEHOLD_COLUMNS,
    HouseholdMembership: MEMBERSHIP_COLUMNS,
}

# Bulk copies are perturbed like the planted demo pairs, except the kinds a copy cannot carry:
# a NIR (unique among active citizens) and homonyms (not duplicates at all).
DUPLICATE_KINDS = tuple(kind for kind in data.PLANTED_KINDS if kind not in {"same_nir", "homonym"})


def check_columns() -> None:
    """Fail if the models no longer have exactly the columns this loader writes."""
    for model, columns in TABLES.items():
        expected = {f.column for f in model._meta.concrete_fields}
        if expected != set(columns):
            raise RuntimeError(f"{model._meta.db_table}: loader columns {sorted(columns)} != model {sorted(expected)}")
        history_model = model.history.model
        hist_expected = {f.column for f in history_model._meta.concrete_fields} - {"history_id"}
        if hist_expected != set(columns) | set(HISTORY_COLUMNS):
            raise RuntimeError(f"{history_model._meta.db_table}: history columns changed: {sorted(hist_expected)}")


_NORMALISED_COLUMNS = ("norm_birth_name", "norm_usage_name", "norm_first_names", "search_name", "search_phonetic")


@functools.lru_cache(maxsize=300_000)
def _normalised(birth_name: str, usage_name: str, first_names: str) -> tuple[str, ...]:
    """The derived columns, in ``CITIZEN_COLUMNS`` order."""
    fields = normalised_fields(birth_name=birth_name, usage_name=usage_name, first_names=first_names)
    return tuple(fields[name] for name in _NORMALISED_COLUMNS)


@dataclasses.dataclass
class Person:
    birth_name: str
    usage_name: str
    first_names: str
    birth_date: datetime.date
    birth_place: str
    birth_place_code: str
    birth_country: str
    sex: str
    nir: str
    assurance_level: int
    address: tuple[str, str, str, str, datetime.date]  # line1, postcode, city, insee, start
    household_role: str = ""


@dataclasses.dataclass
class LoadResult:
    citizens: int = 0
    addresses: int = 0
    households: int = 0
    memberships: int = 0
    duplicates: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.citizens / self.seconds if self.seconds else 0.0


class PeopleGenerator:
    """Deterministic (seeded) synthetic families of Ille-et-Vilaine, fast enough for millions of rows."""

    def __init__(self, *, seed: int, existing_nirs: set[str], duplicate_rate: float = 0.01):
        self.rng = data.demo_random(seed)
        self.nirs = existing_nirs
        self.duplicate_rate = duplicate_rate
        self.today = timezone.localdate()
        self.min_ordinal = datetime.date(1925, 1, 1).toordinal()
        self.max_ordinal = self.today.toordinal() - 1
        communes = data.COMMUNES
        # Rennes and the big towns are where most people live.
        weights = [
            30 if c.name == "Rennes" else 6 if c.insee in {"35288", "35360", "35115", "35236"} else 1 for c in communes
        ]
        self.commune_pool = [c for c, w in zip(communes, weights, strict=True) for _ in range(w)]
        self.birth_pool = [(c.name, c.insee, "France") for c in communes] * 2 + list(data.OTHER_BIRTH_PLACES)
        self.streets = [f"{t} {n}" for t in data.STREET_TYPES for n in data.STREET_NAMES]

    # -- pieces -------------------------------------------------------------------------------
    def _first_names(self, sex: str) -> str:
        pool = data.FIRST_NAMES_FEMALE if sex == "F" else data.FIRST_NAMES_MALE
        count = self.rng.choices((1, 2, 3), weights=(55, 35, 10))[0]
        return ", ".join(dict.fromkeys(self.rng.choice(pool) for _ in range(count)))

    def _date_between(self, start: int, end: int) -> datetime.date:
        return datetime.date.fromordinal(self.rng.randint(start, max(start, end)))

    def _address(self):
        commune = self.rng.choice(self.commune_pool)
        line1 = f"{self.rng.randint(1, 120)} {self.rng.choice(self.streets)}"
        start = self._date_between(self.today.toordinal() - 20 * 365, self.today.toordinal() - 1)
        return (line1, commune.postcode, commune.name, commune.insee, start)

    def _nir(self, sex: str, birth_date: datetime.date, place_code: str) -> str:
        prefix = f"{1 if sex == 'M' else 2}{birth_date:%y%m}{place_code}"
        for _ in range(5):
            first13 = f"{prefix}{self.rng.randint(1, 999):03d}"
            value = f"{first13}{nir_rules.key(first13):02d}"
            if value not in self.nirs:
                self.nirs.add(value)
                return value
        return ""

    def _person(self, *, sex, birth_name, birth_date, address, role="", usage_name="") -> Person:
        place, code, country = self.rng.choice(self.birth_pool)
        has_nir = self.rng.random() < 0.55
        return Person(
            birth_name=birth_name,
            usage_name=usage_name,
            first_names=self._first_names(sex),
            birth_date=birth_date,
            birth_place=place,
            birth_place_code=code,
            birth_country=country,
            sex=sex,
            nir=self._nir(sex, birth_date, code) if has_nir else "",
            assurance_level=self.rng.choices((1, 2, 3, 4), weights=(60, 25, 10, 5))[0],
            address=address,
            household_role=role,
        )

    # -- units ----------------------------------------------------------------------------------
    def unit(self) -> list[Person]:
        """One living unit: a person alone, a couple, a family or a single parent with children."""
        rng = self.rng
        kind = rng.choices(("single", "couple", "family", "single_parent"), weights=(55, 15, 20, 10))[0]
        address = self._address()
        adult_start = self.min_ordinal
        adult_end = self.today.toordinal() - 18 * 365
        if kind == "single":
            sex = rng.choice("FM")
            birth = self._date_between(adult_start, self.max_ordinal)
            usage = rng.choice(data.LAST_NAMES) if sex == "F" and rng.random() < 0.15 else ""
            return [
                self._person(
                    sex=sex,
                    birth_name=rng.choice(data.LAST_NAMES),
                    birth_date=birth,
                    address=address,
                    usage_name=usage,
                )
            ]
        family_name = rng.choice(data.LAST_NAMES)
        first_sex = rng.choice("FM") if kind == "single_parent" else "M"
        first_birth = self._date_between(adult_start + 30 * 365, adult_end)
        people = [
            self._person(
                sex=first_sex, birth_name=family_name, birth_date=first_birth, address=address, role="declarant"
            )
        ]
        if kind in {"couple", "family"}:
            spouse_birth = datetime.date.fromordinal(
                min(adult_end, max(adult_start, first_birth.toordinal() + rng.randint(-8, 8) * 365))
            )
            married = rng.random() < 0.5
            people.append(
                self._person(
                    sex="F",
                    birth_name=rng.choice(data.LAST_NAMES),
                    birth_date=spouse_birth,
                    address=address,
                    role="conjoint",
                    usage_name=family_name if married else "",
                )
            )
        if kind in {"family", "single_parent"}:
            parent_20 = first_birth.toordinal() + 20 * 365
            for _ in range(rng.randint(1, 3)):
                child_birth = self._date_between(
                    min(parent_20, self.max_ordinal), min(parent_20 + 22 * 365, self.max_ordinal)
                )
                people.append(
                    self._person(
                        sex=rng.choice("FM"),
                        birth_name=family_name,
                        birth_date=child_birth,
                        address=address,
                        role="enfant",
                    )
                )
        return people

    def perturbed_copy(self, person: Person) -> Person:
        """The same person entered again with a typical difference (never the same NIR: it is unique)."""
        rng = self.rng
        copy = dataclasses.replace(person, nir="", household_role="", assurance_level=1)
        kind = rng.choice(DUPLICATE_KINDS)
        if kind == "accents_case":
            copy.birth_name, copy.first_names = fold(copy.birth_name), fold(copy.first_names)
        elif kind == "particle" and (" " in copy.birth_name or "'" in copy.birth_name):
            copy.birth_name = copy.birth_name.replace(" ", "").replace("'", "")
        elif kind == "compound_first_name":
            if "-" in copy.first_names:
                copy.first_names = copy.first_names.replace("-", " ")
            else:
                copy.first_names = copy.first_names.split(",")[0]
        elif kind == "usage_vs_birth_name" and copy.usage_name:
            copy.birth_name, copy.usage_name = copy.usage_name, ""
        elif kind == "day_month_swap" and copy.birth_date.day <= 12 and copy.birth_date.day != copy.birth_date.month:
            copy.birth_date = copy.birth_date.replace(month=copy.birth_date.day, day=copy.birth_date.month)
        elif kind == "birth_date_digit":
            day = copy.birth_date.day
            new_day = day + rng.choice((-5, -3, -1, 1, 3, 5))
            copy.birth_date = copy.birth_date.replace(day=new_day if 1 <= new_day <= 28 else max(1, (day % 28) or 1))
        else:  # name_typo, and the fallback for the kinds that do not apply to this person
            name = copy.birth_name
            if len(name) > 3:
                i = rng.randint(1, len(name) - 2)
                letter = rng.choice("aeiouylnrst")
                copy.birth_name = name[:i] + letter + name[i + 1 :] if name[i] != letter else name[:i] + name[i + 1 :]
            else:
                copy.birth_name = name + "e"
        return copy

    def people(self, count: int):
        """Yield ``count`` people (unit by unit, planted duplicates interleaved)."""
        produced = 0
        recent: list[Person] = []
        while produced < count:
            for person in self.unit():
                if produced >= count:
                    return
                yield person, False
                produced += 1
                recent.append(person)
                if len(recent) > 2000:
                    recent = recent[-1000:]
                if produced < count and self.rng.random() < self.duplicate_rate:
                    yield self.perturbed_copy(self.rng.choice(recent)), True
                    produced += 1


def _next_ids(cursor, model, count: int) -> list[int]:
    if count == 0:
        return []
    table = model._meta.db_table
    cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count])
    return [row[0] for row in cursor.fetchall()]


def _copy(cursor, model, columns, rows, *, history: bool) -> None:
    table = (model.history.model if history else model)._meta.db_table
    all_columns = columns + HISTORY_COLUMNS if history else columns
    with cursor.copy(f"COPY {table} ({', '.join(all_columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def load_citizens(*, count: int, actor_id: int | None, seed: int = 1, progress: bool = True) -> LoadResult:
    """Load ``count`` synthetic citizens (one current address each, households for families) with COPY."""
    check_columns()
    result = LoadResult()
    started = time.monotonic()
    now = timezone.now()
    history = (now, CHANGE_REASON, "+", actor_id)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SELECT nir FROM grc_citizen WHERE nir <> ''")
        generator = PeopleGenerator(seed=seed, existing_nirs={row[0] for row in cursor.fetchall()})
        stream = generator.people(count)
        bar = tqdm(total=count, unit=" usagers", unit_scale=True, disable=not progress, mininterval=1)
        remaining = count
        while remaining > 0:
            size = min(BATCH_SIZE, remaining)
            batch = [next(stream) for _ in range(size)]
            remaining -= size
            citizen_ids = _next_ids(cursor, Citizen, size)
            address_ids = _next_ids(cursor, Address, size)
            citizens, addresses, households, memberships = [], [], [], []
            household_id = None
            pending_households = []
            for (person, is_duplicate), citizen_id, address_id in zip(batch, citizen_ids, address_ids, strict=True):
                result.duplicates += is_duplicate
                norm = _normalised(person.birth_name, person.usage_name, person.first_names)
                citizens.append(
                    (citizen_id, person.birth_name, person.usage_name, person.first_names, person.birth_date,
                     person.birth_place, person.birth_place_code, person.birth_country, person.sex, person.nir,
                     person.assurance_level, "active", now, now, *norm, None, None)
                )  # fmt: skip
                line1, postcode, city, insee, start = person.address
                addresses.append((address_id, citizen_id, line1, "", postcode, city, insee, "France", start, None))
                if person.household_role == "declarant":
                    household_id = len(pending_households)
                    pending_households.append((f"Foyer {person.birth_name.upper()}", []))
                if person.household_role and household_id is not None:
                    pending_households[household_id][1].append((citizen_id, person.household_role, start))
            households_with_members = [h for h in pending_households if len(h[1]) > 1]
            household_ids = _next_ids(cursor, Household, len(households_with_members))
            membership_ids = _next_ids(cursor, HouseholdMembership, sum(len(h[1]) for h in households_with_members))
            membership_id = iter(membership_ids)
            for hid, (label, members) in zip(household_ids, households_with_members, strict=True):
                households.append((hid, label, now))
                for citizen_id, role, start in members:
                    memberships.append((next(membership_id), hid, citizen_id, role, start, None))
            _copy(cursor, Citizen, CITIZEN_COLUMNS, citizens, history=False)
            _copy(cursor, Citizen, CITIZEN_COLUMNS, (row + history for row in citizens), history=True)
            _copy(cursor, Address, ADDRESS_COLUMNS, addresses, history=False)
            _copy(cursor, Address, ADDRESS_COLUMNS, (row + history for row in addresses), history=True)
            _copy(cursor, Household, HOUSEHOLD_COLUMNS, households, history=False)
            _copy(cursor, Household, HOUSEHOLD_COLUMNS, (row + history for row in households), history=True)
            _copy(cursor, HouseholdMembership, MEMBERSHIP_COLUMNS, memberships, history=False)
            _copy(
                cursor, HouseholdMembership, MEMBERSHIP_COLUMNS, (row + history for row in memberships), history=True
            )
            result.citizens += len(citizens)
            result.addresses += len(addresses)
            result.households += len(households)
            result.memberships += len(memberships)
            bar.update(size)
        bar.close()
    with connection.cursor() as cursor:
        for model in TABLES:
            cursor.execute(f"ANALYZE {model._meta.db_table}")
            cursor.execute(f"ANALYZE {model.history.model._meta.db_table}")
    result.seconds = time.monotonic() - started
    return result
