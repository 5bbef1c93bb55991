"""Idempotent demo seeding: organisation, demo accounts, demo citizens, the portal home page.

Each step looks up what it would create by a stable key (territory/team ``code``, site name,
account email, citizen identity) and only writes what is missing or different, so running the
seed again changes nothing (except the demo staff's backup codes, renewed on purpose each run).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import defaultdict

from django.db import transaction
from faker import Faker
from simple_history.utils import bulk_create_with_history

from grc.history import save_tracked
from grc.matching import fold
from grc.models import Citizen, Household, HouseholdMembership, Membership, Site, Team, Territory, User
from grc.nir import key as nir_key
from grc.services.citizens import citizen_create
from grc.services.memberships import membership_create
from grc.services.otp import otp_backup_codes_create

from . import data

CHANGE_REASON = "données de démonstration"
MEMBERSHIP_START = datetime.date(2024, 1, 1)


@dataclasses.dataclass
class Counts:
    """Per kind of object: how many this run created and how many were already there."""

    created: dict[str, int] = dataclasses.field(default_factory=lambda: defaultdict(int))
    existing: dict[str, int] = dataclasses.field(default_factory=lambda: defaultdict(int))

    def add(self, label: str, created: bool) -> None:
        (self.created if created else self.existing)[label] += 1

    def labels(self) -> list[str]:
        return list(dict.fromkeys([*self.created, *self.existing]))


@dataclasses.dataclass
class DemoLogin:
    email: str
    role: str
    team: str
    codes: list[str]


def _upsert(model, lookup: dict, values: dict, *, actor, counts: Counts, label: str):
    """Create the object if missing; otherwise update only the fields that differ (no empty history rows)."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        save_tracked(obj, actor, CHANGE_REASON)
        counts.add(label, created=True)
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    if changed:
        save_tracked(obj, actor, CHANGE_REASON, update_fields=changed)
    counts.add(label, created=False)
    return obj


def system_account() -> User:
    """The service account recorded as the author of seeded data (never logs in)."""
    user = User.objects.filter(email=data.SYSTEM_ACCOUNT_EMAIL).first()
    if user is None:
        user = User(
            email=data.SYSTEM_ACCOUNT_EMAIL,
            first_name="Système",
            last_name="Démonstration",
            is_staff=True,
            is_service_account=True,
        )
        user.set_unusable_password()
        user._change_reason = CHANGE_REASON
        user.save()
    return user


@transaction.atomic
def seed_organisation(*, actor, counts: Counts) -> None:
    """The six territories, ~20 CDAS with their teams, the headquarters, the mailroom and Département-wide teams."""
    territories = {}
    for code, name in data.TERRITORIES:
        territories[code] = _upsert(
            Territory, {"code": code}, {"name": name}, actor=actor, counts=counts, label="territoires"
        )
    headquarters = _upsert(
        Site,
        {"name": data.HEADQUARTERS[0]},
        {"kind": Site.Kind.HEADQUARTERS, "territory_id": None, "address": data.HEADQUARTERS[1]},
        actor=actor,
        counts=counts,
        label="sites",
    )
    mailroom = _upsert(
        Site,
        {"name": data.MAILROOM[0]},
        {"kind": Site.Kind.MAILROOM, "territory_id": None, "address": data.MAILROOM[1]},
        actor=actor,
        counts=counts,
        label="sites",
    )
    for spec in data.CDAS:
        territory = territories[spec.territory]
        commune = data.COMMUNES_BY_NAME[spec.commune]
        site = _upsert(
            Site,
            {"name": spec.name},
            {"kind": Site.Kind.CDAS, "territory_id": territory.id, "address": f"{commune.postcode} {commune.name}"},
            actor=actor,
            counts=counts,
            label="sites",
        )
        for prefix, kind, label in data.CDAS_TEAMS:
            _upsert(
                Team,
                {"code": f"{prefix}-{spec.code}"},
                {"name": f"{label} — {spec.name}", "kind": kind, "site_id": site.id, "territory_id": territory.id},
                actor=actor,
                counts=counts,
                label="équipes",
            )
    sites = {"hq": headquarters, "mailroom": mailroom}
    for code, kind, name, site_key in data.DEPARTEMENT_TEAMS:
        _upsert(
            Team,
            {"code": code},
            {"name": name, "kind": kind, "site_id": sites[site_key].id, "territory_id": None},
            actor=actor,
            counts=counts,
            label="équipes",
        )


def _account(*, email, password, first_name, last_name, is_staff, is_superuser, actor, counts, label) -> User:
    user = User.objects.filter(email=email).first()
    values = {"first_name": first_name, "last_name": last_name, "is_staff": is_staff, "is_superuser": is_superuser}
    if user is None:
        user = User(email=email, is_active=True, **values)
        user.set_password(password)
        save_tracked(user, actor, CHANGE_REASON)
        counts.add(label, created=True)
        return user
    changed = [name for name, value in values.items() if getattr(user, name) != value]
    if not user.is_active:
        changed.append("is_active")
        user.is_active = True
    for name in changed:
        setattr(user, name, values.get(name, getattr(user, name)))
    if not user.check_password(password):
        user.set_password(password)
        changed.append("password")
    if changed:
        save_tracked(user, actor, CHANGE_REASON, update_fields=changed)
    counts.add(label, created=False)
    return user


@transaction.atomic
def seed_staff(*, actor, password: str, counts: Counts) -> list[DemoLogin]:
    """Demo staff with their team memberships; fresh backup codes for each at every run."""
    logins = []
    roles = dict(Membership.Role.choices)
    for spec in data.DEMO_STAFF:
        user = _account(
            email=spec.email,
            password=password,
            first_name=spec.first_name,
            last_name=spec.last_name,
            is_staff=True,
            is_superuser=spec.superuser,
            actor=actor,
            counts=counts,
            label="comptes agents",
        )
        team = Team.objects.get(code=spec.team)
        exists = Membership.objects.filter(user=user, team=team, role=spec.role, end_date__isnull=True).exists()
        if not exists:
            membership_create(
                actor=actor, user=user, team=team, role=spec.role, start_date=MEMBERSHIP_START, reason=CHANGE_REASON
            )
        counts.add("appartenances", created=not exists)
        logins.append(DemoLogin(spec.email, str(roles[spec.role]), team.name, otp_backup_codes_create(user=user)))
    return logins


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


def _identity_exists(identity: dict) -> Citizen | None:
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
            if _identity_exists(record) is not None:
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
        if _identity_exists(declarant) is not None:
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


@transaction.atomic
def seed_portal_account(*, actor, password: str, counts: Counts) -> User:
    """A citizen portal account (not staff) linked to its demo citizen."""
    user = _account(
        email=data.PORTAL_ACCOUNT_EMAIL,
        password=password,
        first_name=data.PORTAL_CITIZEN["first_names"].split(",")[0],
        last_name=data.PORTAL_CITIZEN["birth_name"],
        is_staff=False,
        is_superuser=False,
        actor=actor,
        counts=counts,
        label="comptes usagers du portail",
    )
    citizen = _identity_exists(data.PORTAL_CITIZEN)
    if citizen is None:
        citizen = citizen_create(
            actor=actor,
            address=dict(data.PORTAL_ADDRESS),
            contacts=[{"kind": "email", "value": data.PORTAL_ACCOUNT_EMAIL, "is_primary": True}],
            **data.PORTAL_CITIZEN,
        )
    if citizen.user_id != user.id:
        citizen.user = user
        save_tracked(citizen, actor, CHANGE_REASON, update_fields=["user", "updated_at"])
    _seed_portal_household(citizen, actor=actor, counts=counts)
    return user


def _seed_portal_household(citizen: Citizen, *, actor, counts: Counts) -> None:
    """The portal citizen and her son in one household (so her file, her archive and the household screens
    have one to show)."""
    if HouseholdMembership.objects.filter(citizen=citizen).exists():
        counts.add("foyers", created=False)
        return
    address = data.PORTAL_ADDRESS
    child = _identity_exists(data.PORTAL_CHILD) or citizen_create(
        actor=actor, address=dict(address), **data.PORTAL_CHILD
    )
    household = save_tracked(Household(label="Foyer ROLLAND — Rennes"), actor, CHANGE_REASON)
    for member, role in ((citizen, HouseholdMembership.Role.DECLARANT), (child, HouseholdMembership.Role.CHILD)):
        save_tracked(
            HouseholdMembership(household=household, citizen=member, role=role, start_date=address["start_date"]),
            actor,
            CHANGE_REASON,
        )
    counts.add("foyers", created=True)


PORTAL_TITLE = "Département d'Ille-et-Vilaine — Vos démarches"
PORTAL_INTRO = [
    ("heading", "Bienvenue sur le portail des démarches"),
    (
        "paragraph",
        "<p>Le Département d'Ille-et-Vilaine accompagne les habitants à chaque étape de la vie : "
        "enfance et famille, insertion, autonomie des personnes âgées ou en situation de handicap, "
        "transport scolaire adapté.</p>"
        "<p>Depuis votre espace, déposez une demande en ligne, suivez son avancement, échangez avec nos "
        "services et retrouvez vos documents. Les agents des CDAS restent à votre écoute près de chez vous.</p>",
    ),
]


@transaction.atomic
def seed_portal_pages(*, counts: Counts):
    """The portal ``HomePage`` as the root of the default Wagtail site, replacing Wagtail's "Welcome" page."""
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import Page
    from wagtail.models import Site as WagtailSite
    from wagtail.rich_text import RichText

    from portal.models import HomePage

    home = HomePage.objects.first()
    counts.add("page d'accueil du portail", created=home is None)
    if home is None:
        root = Page.get_first_root_node()
        intro = [(kind, RichText(value) if kind == "paragraph" else value) for kind, value in PORTAL_INTRO]
        home = HomePage(title=PORTAL_TITLE, slug="accueil", intro=intro)
        root.add_child(instance=home)
        home.save_revision().publish()
    site = WagtailSite.objects.filter(is_default_site=True).first()
    if site is None:
        WagtailSite.objects.create(
            hostname="localhost", port=80, root_page=home, is_default_site=True, site_name=PORTAL_TITLE
        )
    elif site.root_page_id != home.id:
        site.root_page = home
        site.save(update_fields=["root_page"])
    # Wagtail's own "Welcome to your new Wagtail site!" page (a bare Page at depth 2) goes once unused.
    bare_page = ContentType.objects.get_for_model(Page)
    for page in Page.objects.filter(depth=2, content_type=bare_page, numchild=0):
        if not WagtailSite.objects.filter(root_page=page).exists():
            page.delete()
    return home
