"""Recompute the access-log hash chain (from the latest purge anchor) and record each run."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone

from grc.scheduling import enqueue_on_commit, lease_cutoff

from . import perms, sql

# A verification asked for or running for longer than ACCESS_LOG_VERIFY_LEASE_SECONDS is shown as interrupted
# (its worker died, or none took it): 50,000,000 rows take under 3 minutes; the default, 6 hours, leaves room.
VERIFY_LEASE = "ACCESS_LOG_VERIFY_LEASE_SECONDS"
# pg_advisory_xact_lock key serialising the DPO's "Vérifier maintenant" clicks ("GRCVERIF").
_REQUEST_LOCK = 0x4752435645524946


@dataclass
class ChainReport:
    checked: int = 0
    anchor_seq: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_bad_seq(self) -> int | None:
        return min((seq for seq, _reason in self.problems), default=None)


def chain_bounds(cursor) -> tuple[int, str, int, int]:
    """(anchor seq, anchor hash, max seq, row count): the chain to verify starts after the anchor."""
    cursor.execute(f"SELECT seq, hash FROM {sql.ANCHOR_TABLE} ORDER BY seq DESC LIMIT 1")  # noqa: S608
    row = cursor.fetchone()
    anchor_seq, anchor_hash = row if row else (0, "0" * 64)
    cursor.execute(f"SELECT coalesce(max(seq), 0), count(*) FROM {sql.TABLE}")  # noqa: S608
    max_seq, total = cursor.fetchone()
    return anchor_seq, anchor_hash, max(max_seq, anchor_seq), total


def verify_chain(
    *,
    batch_size: int = 200_000,
    progress: Callable[[int], None] | None = None,
    start_seq: int | None = None,
    end_seq: int | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> ChainReport:
    """Recompute the access-log hash chain in seq order, batch by batch, inside the database.

    The chain starts at the latest purge anchor (seq and hash of the last purged row). Rows at or
    below the anchor must be gone; rows after it must be contiguous and each link and hash must
    verify. ``start_seq``/``end_seq`` restrict the check to a slice (the benchmark uses it).
    ``using``: the database alias to read.
    """
    report = ChainReport()
    with connections[using].cursor() as cursor:
        anchor_seq, anchor_hash, max_seq, total = chain_bounds(cursor)
        report.anchor_seq = anchor_seq
        partial = start_seq is not None or end_seq is not None
        if not partial:
            if total != max_seq - anchor_seq:
                report.problems.append(
                    (anchor_seq + 1, f"{max_seq - anchor_seq - total} missing row(s) in the sequence")
                )
            cursor.execute(f"SELECT min(seq) FROM {sql.TABLE} WHERE seq <= %s", [anchor_seq])  # noqa: S608
            (leftover,) = cursor.fetchone()
            if leftover is not None:
                report.problems.append((leftover, "row at or before the purge anchor"))
        lo = anchor_seq
        hash_ = anchor_hash
        if start_seq is not None and start_seq > anchor_seq:
            lo = start_seq
            cursor.execute(f"SELECT hash FROM {sql.TABLE} WHERE seq = %s", [lo])  # noqa: S608
            row = cursor.fetchone()
            hash_ = row[0] if row else hash_
        hi_limit = min(end_seq, max_seq) if end_seq is not None else max_seq
        while lo < hi_limit:
            hi = min(lo + batch_size, hi_limit)
            cursor.execute(sql.VERIFY, {"start_seq": lo, "start_hash": hash_, "end_seq": hi})
            report.problems.extend(cursor.fetchall())
            cursor.execute(f"SELECT hash FROM {sql.TABLE} WHERE seq <= %s ORDER BY seq DESC LIMIT 1", [hi])  # noqa: S608
            row = cursor.fetchone()
            hash_ = row[0] if row else hash_
            report.checked += hi - lo
            if progress:
                progress(hi - lo)
            lo = hi
            if len(report.problems) >= 100:
                break
    report.problems.sort()
    return report


def verify_and_record(
    *,
    batch_size: int = 200_000,
    progress: Callable[[int], None] | None = None,
    using: str = DEFAULT_DB_ALIAS,
    run_id: int | None = None,
):
    """Run ``verify_chain`` and store the result as a ``LogVerification`` (shown on the DPO console).

    Both on the database alias ``using``. With ``run_id`` (the DPO's "Vérifier maintenant", recorded by
    ``verification_request``), that run is the one filled in: ``(None, None)`` when it is already
    finished (a second delivery of the task) or missing.
    """
    from .models import LogVerification

    if run_id is None:
        run = LogVerification.objects.using(using).create(started_at=timezone.now())
    else:
        run = LogVerification.objects.using(using).filter(pk=run_id, finished_at__isnull=True).first()
        if run is None:
            return None, None
    try:
        report = verify_chain(batch_size=batch_size, progress=progress, using=using)
    except Exception as exc:  # the failure itself is the result to show the DPO
        run.finished_at = timezone.now()
        run.ok = False
        run.message = f"La vérification a échoué ({type(exc).__name__})."
        run.save(using=using)
        raise
    run.finished_at = timezone.now()
    run.rows_checked = report.checked
    run.ok = report.ok
    run.anchor_seq = report.anchor_seq
    run.first_bad_seq = report.first_bad_seq
    run.message = "; ".join(f"seq {seq}: {reason}" for seq, reason in report.problems[:20])
    run.save(using=using)
    return run, report


def verification_stalled(run, now: datetime.datetime | None = None) -> bool:
    """``run`` was asked for or started longer than its lease ago and never finished."""
    return run.finished_at is None and run.started_at < lease_cutoff(VERIFY_LEASE, now)


def verification_request(*, actor):
    """The DPO's "Vérifier maintenant": records the verification (unfinished, ``started_at`` = when asked)
    and enqueues ``grc.audit.tasks.verify_access_log`` for it on commit; nothing slow here.

    Refused (``ValidationError``, French) while another verification is unfinished within
    ``VERIFY_LEASE``: each one reads the whole log. An enqueue failure records the run as failed."""
    from .models import LogVerification

    if not perms.can_use_dpo_console(actor):
        raise PermissionDenied
    with transaction.atomic():
        with connection.cursor() as cursor:  # two clicks at once: the second one sees the first one's row
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_REQUEST_LOCK])
        now = timezone.now()
        live = (
            LogVerification.objects.filter(finished_at__isnull=True, started_at__gte=lease_cutoff(VERIFY_LEASE, now))
            .order_by("-started_at")
            .first()
        )
        if live is not None:
            asked = timezone.localtime(live.started_at).strftime("%d/%m/%Y à %H:%M")
            raise ValidationError(
                f"Une vérification est déjà en cours (demandée le {asked}) : son résultat s'affichera ici."
            )
        run = LogVerification.objects.create(started_at=now)
        from .tasks import verify_access_log

        enqueue_on_commit(
            verify_access_log,
            run.pk,
            what=f"access-log verification {run.pk}",
            on_failure=lambda: LogVerification.objects.filter(pk=run.pk, finished_at__isnull=True).update(
                finished_at=timezone.now(), ok=False, message="La vérification n'a pas pu être lancée ; relancez-la."
            ),
        )
    return run
