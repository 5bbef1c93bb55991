"""Everything held about one person: who "the person" is, and the sections each app contributes.

``person_ids`` is the one rule for "the person": the citizen and every record merged into it (they
are the same person), used by the access archive, the citizen's own download, erasure and the DPO
console's log filters.

Each app holding data about people registers a :class:`PersonDataSection` from its ``AppConfig.ready``;
``privacy.person_data`` builds the sections for an audience — the citizen's own download
(``citizen``) or the DPO's access-right archive (``dpo_archive``) — under one set of rules for third
parties (``docs/data-protection.md``). privacy never lists the apps, and no app imports privacy.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from .models import Citizen, Membership, User

CITIZEN = "citizen"
DPO_ARCHIVE = "dpo_archive"
AUDIENCES = (CITIZEN, DPO_ARCHIVE)


def person_ids(citizen_id: int) -> list[int]:
    """The citizen's id and those of every record merged into it (directly or through a chain of merges)."""
    ids = [citizen_id]
    frontier = [citizen_id]
    while frontier:
        frontier = list(
            Citizen.objects.filter(merged_into_id__in=frontier, status=Citizen.Status.MERGED).values_list(
                "pk", flat=True
            )
        )
        frontier = [pk for pk in frontier if pk not in ids]
        ids.extend(frontier)
    return ids


@dataclasses.dataclass(frozen=True)
class PersonDataSection:
    """One section of a person's data: ``key`` in the result, ``build(scope) -> JSON-ready value`` (the
    scope is ``privacy.person_data.PersonScope``: the citizen, the ids of the person, their own account,
    the audience, how professionals are designated, the files to join and the withheld counts), the
    ``audiences`` it belongs to and its place (``order``)."""

    key: str
    order: int
    build: Callable[[Any], Any]
    audiences: frozenset[str] = frozenset(AUDIENCES)


_SECTIONS: dict[str, PersonDataSection] = {}


def register(section: PersonDataSection) -> PersonDataSection:
    """Declare a section (from an ``AppConfig.ready``); registering the same one again is harmless."""
    if section.key in _SECTIONS and _SECTIONS[section.key] != section:
        raise ValueError(f"person data section {section.key!r} registered twice")
    _SECTIONS[section.key] = section
    return section


def sections(audience: str) -> list[PersonDataSection]:
    """The sections of ``audience``, in order."""
    if audience not in AUDIENCES:
        raise ValueError(f"unknown audience {audience!r}")
    return sorted((s for s in _SECTIONS.values() if audience in s.audiences), key=lambda s: s.order)


# The suffix of a joined file's name in the archive, by content type (the stored names carry none).
_SUFFIXES = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/tiff": ".tif",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
}


def file_suffix(content_type: str) -> str:
    """ ".pdf", ".png"… for a joined file of ``content_type`` ("" when unknown)."""
    return _SUFFIXES.get(content_type, "")


def iso(value) -> str | None:
    """A date or a moment (local time) as ISO 8601; ``None`` stays ``None``."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat()
    return value.isoformat()


class StaffNames:
    """How a professional is designated to the person: their team and role at the date, or their name
    when the DPO decided so (``include_names``). The person's own account is "Vous-même". Users are
    read once per batch of ids a section gives (``load``)."""

    def __init__(self, *, include_names: bool, own_account_id: int | None):
        self.include_names = include_names
        self.own_account_id = own_account_id
        self.users: dict[int, User] = {}
        self.memberships: dict[int, list] = defaultdict(list)

    def load(self, user_ids) -> None:
        ids = {pk for pk in user_ids if pk and pk not in self.users}
        if not ids:
            return
        self.users.update({u.pk: u for u in User.objects.filter(pk__in=ids)})
        for membership in Membership.objects.filter(user_id__in=ids).select_related("team"):
            self.memberships[membership.user_id].append(membership)

    def _membership(self, user_id, when):
        day = timezone.localtime(when).date() if isinstance(when, datetime.datetime) else when
        for membership in self.memberships.get(user_id, []):
            if day is None or (
                membership.start_date <= day and (membership.end_date is None or membership.end_date >= day)
            ):
                return membership
        return self.memberships[user_id][0] if self.memberships.get(user_id) else None

    def describe(self, user_id, when=None) -> str:
        if user_id is None:
            return "Traitement automatique"
        if user_id == self.own_account_id:
            return "Vous-même"
        user = self.users.get(user_id)
        chosen = self._membership(user_id, when)
        if chosen is not None:
            label = f"{chosen.get_role_display()} — {chosen.team.name}"
        elif user is not None and user.is_service_account:
            label = "Système d'information du Département"
        else:
            label = "Agent du Département"
        if self.include_names and user is not None:
            return f"{user.get_full_name() or user.email} ({label})"
        return label


@dataclasses.dataclass
class PersonScope:
    """What a section is built for: the ``citizen`` (``None`` for a portal account without a record yet),
    ``ids`` (the citizen and the records merged into it), their own portal ``account``, the ``audience``,
    how professionals are designated (``staff``), and what the sections add as they go: ``files`` to join
    [(name in the archive, FieldFile)] and ``withheld`` counts (what is not communicated, by kind)."""

    citizen: Citizen | None
    ids: list[int]
    account: Any
    audience: str
    staff: StaffNames
    files: list = dataclasses.field(default_factory=list)
    withheld: Counter = dataclasses.field(default_factory=Counter)
