"""The demo accounts: the seeding service account, the demo staff with their teams, the portal citizen's account.

Keyed on the e-mail: an existing account is only brought back to its demo values (names, flags,
password); the demo staff's backup codes are renewed on purpose at every run, so ``seed_demo`` can
print usable ones.
"""

from __future__ import annotations

import dataclasses
import datetime

from django.db import transaction

from grc.history import save_tracked
from grc.models import Citizen, Household, HouseholdMembership, Membership, Team, User
from grc.services.citizens import citizen_create
from grc.services.memberships import membership_create
from grc.services.otp import otp_backup_codes_create

from . import data
from .citizens import identity_exists
from .records import CHANGE_REASON, Counts

MEMBERSHIP_START = datetime.date(2024, 1, 1)


@dataclasses.dataclass
class DemoLogin:
    email: str
    role: str
    team: str
    codes: list[str]


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
    citizen = identity_exists(data.PORTAL_CITIZEN)
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
    child = identity_exists(data.PORTAL_CHILD) or citizen_create(
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
