"""Recompute the access-log hash chain (from the latest purge anchor) and record each run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from . import seal, sql
from .models import AccessLogSeal, LogVerification
from .services import access_log_seal

# A verification asked for or running for longer than ACCESS_LOG_VERIFY_LEASE_SECONDS is shown as interrupted
# (its worker died, or none took it): 50,000,000 rows take under 3 minutes; the default, 6 hours, leaves room.
# The DPO asks for one from the console (``dpo.services.verification_request``).
VERIFY_LEASE = "ACCESS_LOG_VERIFY_LEASE_SECONDS"


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


def _latest_anchor(cursor) -> tuple[int, str]:
    cursor.execute(f"SELECT seq, hash FROM {sql.ANCHOR_TABLE} ORDER BY seq DESC LIMIT 1")  # noqa: S608
    return cursor.fetchone() or (0, "0" * 64)


def _hash_at(using: str, seq: int, anchor_seq: int, anchor_hash: str) -> str | None:
    if seq == anchor_seq:
        return anchor_hash
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT hash FROM {sql.TABLE} WHERE seq = %s", [seq])  # noqa: S608
        row = cursor.fetchone()
    return row[0] if row else None


def verify_seals(*, using: str = DEFAULT_DB_ALIAS) -> list[tuple[int, str]]:
    """What the signed seals and the external anchor file say against the chain (``grc.audit.seal``).

    Problems as ``(seq, reason)``: a seal whose MAC does not verify (forged) or whose key is unknown; a
    sealed row whose hash changed (the chain was recomputed after it was sealed); a sealed row that is gone
    (the log was cut); a purge anchor newer than every seal (a purge the application did not seal); the
    external anchor file missing while seals exist, unreadable, forged, absent from the database (seals
    deleted), or naming a row the log no longer reaches or no longer holds with that hash.
    """
    problems: list[tuple[int, str]] = []
    with connections[using].cursor() as cursor:
        anchor_seq, anchor_hash = _latest_anchor(cursor)
        cursor.execute(f"SELECT coalesce(max(seq), 0) FROM {sql.TABLE}")  # noqa: S608
        end_seq = max(cursor.fetchone()[0], anchor_seq)
        # The sealed rows still in the log (a seal at or after the purge anchor), each with the row it names.
        cursor.execute(
            f"""SELECT s.id, s.seq, s.hash, s.rows, s.anchor_seq, s.sealed_at, s.key_id, s.mac, l.hash
                FROM {sql.SEAL_TABLE} s LEFT JOIN {sql.TABLE} l ON l.seq = s.seq
                WHERE s.seq >= %s ORDER BY s.seq, s.id""",  # noqa: S608
            [anchor_seq],
        )
        seals = cursor.fetchall()
        cursor.execute(f"SELECT count(*) FROM {sql.SEAL_TABLE}")  # noqa: S608
        (seal_count,) = cursor.fetchone()
    latest_attested_anchor = None
    sealed = set()
    for pk, seq, hash_, rows, sealed_anchor, sealed_at, key, mac, row_hash in seals:
        data = seal.SealData(seq=seq, hash=hash_, rows=rows, anchor_seq=sealed_anchor, sealed_at=sealed_at, key_id=key)
        valid = seal.mac_is_valid(data, mac)
        if valid is None:
            problems.append((seq, f"seal {pk} signed with an unknown key ({key}): add it to ACCESS_LOG_HMAC_OLD_KEYS"))
            continue
        if not valid:
            problems.append((seq, f"seal {pk}: forged (its MAC does not verify)"))
            continue
        sealed.add((seq, hash_, mac))
        latest_attested_anchor = max(latest_attested_anchor or 0, sealed_anchor)
        expected = anchor_hash if seq == anchor_seq else row_hash
        if seq > end_seq or expected is None:
            problems.append((seq, f"sealed row missing: the log ends at seq {end_seq} (cut after seal {pk})"))
        elif expected != hash_:
            problems.append((seq, f"sealed row changed: chain recomputed after seal {pk}"))
    try:
        external = seal.read_anchor_file(using=using)
    except ValueError as error:
        external = None
        problems.append((end_seq, str(error)))
    else:
        if external is None and seal_count:
            problems.append(
                (end_seq, f"external anchor file missing ({seal.anchor_path(using).name}) although the log is sealed")
            )
    if external is not None:
        data, mac = external
        valid = seal.mac_is_valid(data, mac)
        if valid is None:
            problems.append((data.seq, f"external anchor signed with an unknown key ({data.key_id})"))
        elif not valid:
            problems.append((data.seq, "external anchor forged (its MAC does not verify)"))
        else:
            latest_attested_anchor = max(latest_attested_anchor or 0, data.anchor_seq)
            if data.seq >= anchor_seq and (data.seq, data.hash, mac) not in sealed:
                problems.append((data.seq, "external anchor not in the database: seals were deleted or changed"))
            if data.seq > end_seq:
                problems.append(
                    (data.seq, f"log cut: it ends at seq {end_seq}, the external anchor attests seq {data.seq}")
                )
            elif data.seq >= anchor_seq and _hash_at(using, data.seq, anchor_seq, anchor_hash) != data.hash:
                problems.append((data.seq, "row attested by the external anchor changed or missing"))
    if latest_attested_anchor is not None and anchor_seq > latest_attested_anchor:
        problems.append((anchor_seq, f"purge anchor {anchor_seq} is sealed nowhere: a purge outside the application"))
    return sorted(set(problems))


def seal_if_intact(*, using: str = DEFAULT_DB_ALIAS, reason: str = "tick") -> tuple[bool, list[tuple[int, str]]]:
    """The scheduler's seal (every few minutes): check the rows written since the latest seal and every seal,
    then seal the new end. Nothing is sealed when something does not verify: the failure is recorded as a
    ``LogVerification`` for the DPO console (a forged or cut log is shown within minutes, not the next night).
    """
    problems = verify_seals(using=using)
    latest = AccessLogSeal.objects.using(using).order_by("-seq", "-id").first()
    if not problems:
        report = verify_chain(start_seq=latest.seq if latest else None, using=using)
        problems = report.problems
    if problems:
        now = timezone.now()
        LogVerification.objects.using(using).create(
            started_at=now,
            finished_at=now,
            ok=False,
            first_bad_seq=min(seq for seq, _reason in problems),
            message="; ".join(f"seq {seq}: {reason}" for seq, reason in problems[:20]),
        )
        return False, problems
    access_log_seal(reason=reason, using=using)
    return True, []


def verify_and_record(
    *,
    batch_size: int = 200_000,
    progress: Callable[[int], None] | None = None,
    using: str = DEFAULT_DB_ALIAS,
    run_id: int | None = None,
):
    """Run ``verify_chain`` and store the result as a ``LogVerification`` (shown on the DPO console).

    Both on the database alias ``using``. With ``run_id`` (the DPO's "Vérifier maintenant", recorded by
    ``dpo.services.verification_request``), that run is the one filled in: ``(None, None)`` when it is already
    finished (a second delivery of the task) or missing.
    """
    if run_id is None:
        run = LogVerification.objects.using(using).create(started_at=timezone.now())
    else:
        run = LogVerification.objects.using(using).filter(pk=run_id, finished_at__isnull=True).first()
        if run is None:
            return None, None
    try:
        report = verify_chain(batch_size=batch_size, progress=progress, using=using)
        report.problems = sorted(report.problems + verify_seals(using=using))
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
    if report.ok:
        # What was just verified is sealed: a later rewrite or cut of it no longer matches.
        access_log_seal(reason="verification", using=using)
    return run, report
