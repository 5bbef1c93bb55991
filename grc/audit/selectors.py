"""Reads for the DPO console: the access log, its readers and timelines, verifications (alerts: ``dpo.selectors``).

Every function takes the user and returns nothing (404) unless ``grc.perms.require_dpo`` lets them in.
The log is large (tens of millions of rows): every filter goes through an index and pages use a
keyset on ``(at, id)`` (newest first), never OFFSET:

- actor → ``accesslog_actor_cover`` (covering: an index-only scan); citizen → ``accesslog_citizen_at``;
  action → ``accesslog_action_at``; purpose (prefix, case-sensitive) → partial ``accesslog_purpose_at``;
  period alone → ``accesslog_at``;
- team / territory → the members of the team(s) **at the time of the access**: one
  ``accesslog_actor_cover`` range scan per membership (its start and end dates bound the range),
  combined with UNION ALL, each branch limited to one page.

The DPO's own consultations are logged (``dpo.log``, ``dpo.export``) by the views through
``log_consultation``.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Max, Min, Q
from django.http import Http404
from django.utils import timezone

from grc.models import Citizen, Membership, User
from grc.models.citizens import first_name_of
from grc.perms import require_dpo
from grc.person_data_registry import person_ids

from .models import AccessLog, AccessLogAnchor, LogVerification
from .services import access_log_write

PAGE_SIZE = 50
# The columns the console shows: metadata only (no hash columns).
LIST_FIELDS = (
    "id",
    "seq",
    "at",
    "actor_id",
    "action",
    "object_type",
    "object_id",
    "citizen_id",
    "purpose",
    "ip",
    "request_id",
)


def _check(user) -> None:
    require_dpo(user)


@dataclass
class LogFilters:
    actor: int | None = None
    citizen: int | None = None
    team: int | None = None
    territory: int | None = None
    action: str = ""
    purpose: str = ""
    since: datetime.datetime | None = None
    until: datetime.datetime | None = None
    # The citizen and the records merged into it (filled by ``with_merged_records``): reads logged
    # under a merged-away record are reads of the same person.
    citizen_ids: tuple[int, ...] = ()

    def describe(self) -> str:
        """The filters as a short text for the DPO's own access-log row (ids, no names)."""
        parts = []
        for name in ("actor", "citizen", "team", "territory", "action", "purpose"):
            value = getattr(self, name)
            if value:
                parts.append(f"{name}={value}")
        if self.since:
            parts.append(f"since={self.since:%Y-%m-%d}")
        if self.until:
            parts.append(f"until={self.until:%Y-%m-%d}")
        return " ".join(parts) or "all"


@dataclass
class LogPage:
    rows: list
    next_cursor: str = ""
    actors: dict = field(default_factory=dict)
    citizens: dict = field(default_factory=dict)


def encode_cursor(row) -> str:
    return f"{row.at.timestamp():.6f}_{row.id}"


def decode_cursor(cursor: str) -> tuple[datetime.datetime, int] | None:
    try:
        ts, pk = cursor.split("_", 1)
        at, pk = datetime.datetime.fromtimestamp(float(ts), tz=datetime.UTC), int(pk)
    except (ValueError, OverflowError, OSError):
        return None
    return (at, pk) if abs(pk) < 2**63 else None


def _base(filters: LogFilters, after: tuple[datetime.datetime, int] | None):
    qs = AccessLog.objects.only(*LIST_FIELDS)
    if filters.actor:
        qs = qs.filter(actor_id=filters.actor)
    if filters.citizen:
        ids = filters.citizen_ids or (filters.citizen,)
        qs = qs.filter(citizen_id=ids[0]) if len(ids) == 1 else qs.filter(citizen_id__in=ids)
    if filters.action:
        qs = qs.filter(action=filters.action)
    if filters.purpose:
        qs = qs.filter(purpose__startswith=filters.purpose).exclude(purpose="")
    if filters.since:
        qs = qs.filter(at__gte=filters.since)
    if filters.until:
        qs = qs.filter(at__lt=filters.until)
    if after:
        at, pk = after
        qs = qs.filter(Q(at__lt=at) | Q(at=at, id__lt=pk))
    return qs.order_by("-at", "-id")


def _team_windows(filters: LogFilters) -> list[tuple[int, datetime.datetime | None, datetime.datetime | None]]:
    """(user id, from, until) for every membership of the filtered team or territory's teams."""
    memberships = Membership.objects.all()
    if filters.team:
        memberships = memberships.filter(team_id=filters.team)
    if filters.territory:
        memberships = memberships.filter(team__territory_id=filters.territory)
    # Membership dates are local days (Europe/Paris): a day starts at local midnight, not UTC midnight.
    tzinfo = timezone.get_default_timezone()
    windows = []
    for user_id, start, end in memberships.values_list("user_id", "start_date", "end_date"):
        lo = datetime.datetime.combine(start, datetime.time.min, tzinfo=tzinfo)
        hi = None
        if end and end < datetime.date.max:
            hi = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tzinfo)
        windows.append((user_id, lo, hi))
    return windows


def _fetch(filters: LogFilters, after, limit: int) -> list[AccessLog]:
    if not (filters.team or filters.territory):
        return list(_base(filters, after)[:limit])
    windows = _team_windows(filters)
    if filters.actor:
        windows = [w for w in windows if w[0] == filters.actor]
    branches = []
    for user_id, lo, hi in windows:
        qs = _base(filters, after).filter(actor_id=user_id, at__gte=lo)
        if hi:
            qs = qs.filter(at__lt=hi)
        branches.append(qs[:limit])
    if not branches:
        return []
    if len(branches) == 1:
        return list(branches[0])
    return list(branches[0].union(*branches[1:], all=True).order_by("-at", "-id")[:limit])


def with_merged_records(filters: LogFilters) -> LogFilters:
    """``filters`` whose citizen also matches the records merged into it (the access archive's rule,
    ``grc.person_data_registry.person_ids``)."""
    if not filters.citizen:
        return filters
    return dataclasses.replace(filters, citizen_ids=tuple(person_ids_of(filters.citizen)))


def person_ids_of(citizen_id: int) -> list[int]:
    """The citizen's id and those of every record merged into it (directly or through a chain)."""
    return person_ids(citizen_id)


def shown_citizens(ids) -> str:
    """Which citizens' names a console page showed, for the DPO's own log row: their numbers."""
    ids = sorted({int(pk) for pk in ids if pk})
    if not ids:
        return ""
    return "noms d'usagers affichés : n° " + ", ".join(str(pk) for pk in ids)


def log_consultation(
    *,
    user,
    action: str,
    filters: LogFilters | None = None,
    request=None,
    citizen=None,
    note="",
    shown=(),
):
    """The DPO's own consultation, in the same log (``dpo.log`` / ``dpo.export`` / ``dpo.history``…).

    ``shown``: the ids of the citizens whose names (identity only) the page displayed: the row is written
    once per page with no citizen, and its purpose names them (``shown_citizens``). A page showing their
    data writes one row per citizen instead (``citizen``).
    """
    purpose = note or (filters.describe() if filters else "")
    shown = shown_citizens(shown)
    if shown:
        purpose = f"{purpose} ; {shown}" if purpose else shown
    if len(purpose) > 255:
        purpose = purpose[:254] + "…"
    return access_log_write(
        actor=user,
        action=action,
        citizen=citizen if citizen is not None else (filters.citizen if filters else None),
        object_type="audit.accesslog",
        purpose=purpose,
        request=request,
    )


def access_log_page(*, user, filters: LogFilters, cursor: str = "", page_size: int = PAGE_SIZE) -> LogPage:
    """One page of access-log rows matching ``filters``, newest first, after ``cursor``.

    Also resolves the actors' and citizens' display names of that page (two queries).
    """
    _check(user)
    filters = with_merged_records(filters)
    rows = _fetch(filters, decode_cursor(cursor) if cursor else None, page_size + 1)
    page = LogPage(rows=rows[:page_size])
    if len(rows) > page_size:
        page.next_cursor = encode_cursor(rows[page_size - 1])
    page.actors = names_of_users({r.actor_id for r in page.rows if r.actor_id})
    page.citizens = names_of_citizens({r.citizen_id for r in page.rows if r.citizen_id})
    for r in page.rows:
        r.actor_name = page.actors.get(r.actor_id, "")
        r.citizen_name = page.citizens.get(r.citizen_id, "")
    return page


def access_log_iter(*, user, filters: LogFilters, limit: int = 1_000_000, batch: int = 5_000):
    """All rows matching ``filters`` (up to ``limit``), newest first, fetched by keyset batches (CSV export)."""
    _check(user)
    filters = with_merged_records(filters)
    after = None
    sent = 0
    while sent < limit:
        rows = _fetch(filters, after, min(batch, limit - sent))
        if not rows:
            return
        yield from rows
        sent += len(rows)
        after = (rows[-1].at, rows[-1].id)


def names_of_users(ids) -> dict[int, str]:
    if not ids:
        return {}
    return {
        pk: (f"{first} {last}".strip() or email)
        for pk, first, last, email in User.objects.filter(pk__in=ids).values_list(
            "pk", "first_name", "last_name", "email"
        )
    }


def names_of_citizens(ids) -> dict[int, str]:
    if not ids:
        return {}
    return {
        pk: f"{(usage or birth).upper()} {first_name_of(first)}".strip()
        for pk, usage, birth, first in Citizen.objects.filter(pk__in=ids).values_list(
            "pk", "usage_name", "birth_name", "first_names"
        )
    }


def citizen_readers(*, user, citizen_id: int, since=None, until=None) -> list[dict]:
    """Who read one citizen's records: per reader, the number of accesses, first and last, actions.

    Reads logged under the records merged into this citizen count too (``person_ids_of``).
    """
    _check(user)
    qs = AccessLog.objects.filter(citizen_id__in=person_ids_of(citizen_id))
    if since:
        qs = qs.filter(at__gte=since)
    if until:
        qs = qs.filter(at__lt=until)
    rows = list(qs.values("actor_id").annotate(count=Count("id"), first=Min("at"), last=Max("at")).order_by("-last"))
    names = names_of_users({r["actor_id"] for r in rows if r["actor_id"]})
    for r in rows:
        r["name"] = names.get(r["actor_id"], "—")
    return rows


def staff_user_get(*, user, pk: int) -> User:
    """A staff user whose accesses the DPO looks at (404 if not staff)."""
    _check(user)
    try:
        return User.objects.get(pk=pk, is_staff=True)
    except User.DoesNotExist:
        raise Http404 from None


def latest_verifications(*, user, limit: int = 10) -> list[LogVerification]:
    _check(user)
    return list(LogVerification.objects.order_by("-started_at")[:limit])


def purge_anchors(*, user, limit: int = 10) -> list[AccessLogAnchor]:
    """The latest purges of the log (anchor: when, rows before which date, how many, by whom, why), newest first,
    with their actor (the console names who purged: one query, not one per purge)."""
    _check(user)
    return list(AccessLogAnchor.objects.select_related("actor").order_by("-seq")[:limit])


def default_period(days: int = 30) -> tuple[datetime.datetime, None]:
    return timezone.now() - datetime.timedelta(days=days), None
