"""Access-log retention: the one sanctioned way rows leave the append-only log.

``access_log_purge`` deletes the rows older than ``before`` through the SQL function
``audit_accesslog_purge`` (``grc/audit/sql.py``), which first writes an anchor (seq and hash of the
last purged row) so ``verify_access_log`` still verifies the remaining chain from there and still
detects any later tampering. Called by the retention engine (``privacy``) and the scheduler.
"""

from __future__ import annotations

import datetime
import logging
import time
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

from . import sql
from .services import access_log_seal

logger = logging.getLogger(__name__)


@dataclass
class PurgeSummary:
    before: datetime.datetime
    dry_run: bool
    rows: int  # rows purged (or that would be, in a dry run)
    anchor_seq: int  # seq of the last purged row (the new anchor), or the current anchor if nothing went
    oldest_kept: datetime.datetime | None
    seconds: float

    def as_dict(self) -> dict:
        data = asdict(self)
        data["before"] = self.before.isoformat()
        data["oldest_kept"] = self.oldest_kept.isoformat() if self.oldest_kept else None
        return data


def min_retention_days(*, using: str = "default") -> int:
    """The floor the database puts under every purge, in days (``ACCESS_LOG_MIN_RETENTION_DAYS`` as of
    the last ``migrate``): ``access_log_purge`` refuses a cut-off more recent than this."""
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT {sql.MIN_RETENTION_FUNCTION}()")
        return cursor.fetchone()[0]


def set_min_retention_days(days: int, *, using: str = "default") -> None:
    """Replace the floor (only the tables' owner may: the runtime role gets a permission error)."""
    if not 0 <= int(days) <= 3 * 366:
        raise ValueError("the floor must be between 0 and 3 years")
    with connections[using].cursor() as cursor:
        cursor.execute(sql.min_retention_sql(days))


def _plan(cursor, before) -> tuple[int, int, int]:
    """(current anchor seq, last seq that would go, rows that would go)."""
    cursor.execute(f"SELECT coalesce(max(seq), 0) FROM {sql.ANCHOR_TABLE}")  # noqa: S608
    (prev,) = cursor.fetchone()
    cursor.execute(f"SELECT seq - 1 FROM {sql.TABLE} WHERE at >= %s ORDER BY at, seq LIMIT 1", [before])  # noqa: S608
    row = cursor.fetchone()
    if row is None:
        cursor.execute(f"SELECT coalesce(max(seq), 0) FROM {sql.TABLE}")  # noqa: S608
        row = cursor.fetchone()
    upto = row[0]
    if upto <= prev:
        return prev, prev, 0
    cursor.execute(f"SELECT count(*) FROM {sql.TABLE} WHERE seq <= %s", [upto])  # noqa: S608
    return prev, upto, cursor.fetchone()[0]


def access_log_purge(*, before: datetime.datetime, actor=None, dry_run: bool = True, reason: str = "") -> PurgeSummary:
    """Delete access-log rows older than ``before`` (a prefix of the chain), leaving an anchor.

    ``dry_run`` (the default) only counts. ``before`` may not be more recent than the floor the
    database keeps (``min_retention_days``: ``ACCESS_LOG_MIN_RETENTION_DAYS``, 180 days by default) —
    the caller decides the period (1 year, up to 3 where justified). Returns a summary.
    """
    if not isinstance(before, datetime.datetime):  # a date: from its local midnight
        before = datetime.datetime.combine(before, datetime.time.min, tzinfo=timezone.get_current_timezone())
    if timezone.is_naive(before):
        raise ValueError("before must be timezone-aware")
    # The database refuses it too (``audit_accesslog_purge``), whoever calls: this is the clear message.
    min_days = min_retention_days()
    if min_days and before > timezone.now() - datetime.timedelta(days=min_days):
        raise ValueError(f"access-log rows younger than {min_days} days may not be purged")
    started = time.monotonic()
    actor_id = getattr(actor, "pk", actor)
    with transaction.atomic(), connection.cursor() as cursor:
        if dry_run:
            prev, upto, rows = _plan(cursor, before)
            anchor = upto if rows else prev
        else:
            cursor.execute(
                "SELECT anchor_seq, purged FROM audit_accesslog_purge(%s, %s, %s)", [before, actor_id, reason]
            )
            anchor, rows = cursor.fetchone()
            upto = anchor
            if rows:
                # The new anchor is sealed at once: a purge nobody sealed is what an attacker's would look like.
                access_log_seal(reason="purge")
        cursor.execute(f"SELECT at FROM {sql.TABLE} WHERE seq > %s ORDER BY seq LIMIT 1", [upto])  # noqa: S608
        row = cursor.fetchone()
    return PurgeSummary(
        before=before,
        dry_run=dry_run,
        rows=rows,
        anchor_seq=anchor,
        oldest_kept=row[0] if row else None,
        seconds=round(time.monotonic() - started, 3),
    )


def sync_purge_floor(sender, using="default", **kwargs):
    """Keep the database's purge floor equal to ``ACCESS_LOG_MIN_RETENTION_DAYS`` after each migrate.

    ``migrate`` runs as the owner role, which may replace it. Elsewhere (a test flush as the runtime
    role) the floor is only read; a difference is reported, never forced.
    """
    wanted = settings.ACCESS_LOG_MIN_RETENTION_DAYS
    try:
        with transaction.atomic(using=using):
            if min_retention_days(using=using) != wanted:
                set_min_retention_days(wanted, using=using)
    except DatabaseError as error:
        logger.warning("access-log purge floor not updated (%s): run migrate as the owner role", type(error).__name__)
