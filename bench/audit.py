"""The access log at scale: console queries, logged-read cost, chain verification, retention (a benchmark).

Runs against its own database (``grc_bench_audit`` on the embedded server, migrated on start).
Loads, unless already there (resumable: it continues from the last committed chunk):

- ``--staff`` staff users (1,500) in 100 teams over 10 territories (one membership each);
- ``--rows`` access-log rows (50,000,000) over the last year (weekdays, 08:00-18:00 UTC, in
  chronological order), each staff member reading mostly their own caseload of ~``--citizens``/staff
  citizen ids (citizen ids 1..``--citizens`` (1,000,000); no ``grc.Citizen`` rows are created: the
  log has no foreign-key constraint and the measured queries never join citizens);

with PostgreSQL COPY in chunks of 1,000,000 rows, the chain (``seq``, ``prev_hash``, ``hash``)
computed in Python in exactly the trigger's format (``grc/audit/sql.py`` ``ROW_TEXT``), the insert
trigger disabled during the load (as the table owner) and re-enabled after, the secondary indexes
dropped and rebuilt after the load, then VACUUM ANALYZE. Rows are lean: ``request_id`` empty,
``purpose`` empty except on 0.1 % of rows.

Then measures:

- p95 of "all accesses to one citizen over a year" and "one user's accesses over a month" (the DPO
  console selectors: first page, and the full result);
- the added cost of one logged read (a citizen selector with and without its access-log write);
- chain verification speed (rows/s) on a measured slice (``--verify-rows``) or the whole table;
- access-log retention: purging the oldest month through ``access_log_purge``.

    .venv/bin/python bench/audit.py --load-only            # the load (long: run it in the background)
    .venv/bin/python bench/audit.py                        # load if needed, then measure
    .venv/bin/python bench/audit.py --rows 2000000 --staff 300 --citizens 100000
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import io
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Forced, not defaulted: the bench must never load millions of rows into the dev database.
os.environ["EMBEDDED_DATABASE_NAME"] = "grc_bench_audit" + os.environ.get("BENCH_AUDIT_SUFFIX", "")
os.environ.setdefault("GRC_DATABASE_ROLE", "owner")  # the load drops/rebuilds indexes and triggers
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
# Measured as production runs: with DEBUG on, Django records and logs every query, a cost that
# falls on the side with more queries (the logged read).
os.environ["DJANGO_DEBUG"] = "false"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

CHUNK = 1_000_000
COLUMNS = (
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
    "prev_hash",
    "hash",
)
SECONDARY_INDEXES = {
    "accesslog_citizen_at": "(citizen_id, at)",
    "accesslog_actor_cover": (
        "(actor_id, at, id) INCLUDE (seq, action, object_type, object_id, citizen_id, purpose, ip, request_id)"
    ),
    "accesslog_action_at": "(action, at)",
    "accesslog_at": "(at)",
    "accesslog_purpose_at": "(purpose varchar_pattern_ops, at) WHERE purpose <> ''",
}
ACTIONS = [
    ("file.view", 30),
    ("citizen.view", 25),
    ("file.timeline", 15),
    ("file.notes", 8),
    ("note.view", 6),
    ("file.documents", 4),
    ("document.download", 3),
    ("citizen.search", 4),
    ("request.view", 3),
    ("mail.view", 2),
]


def log(msg: str) -> None:
    print(f"[{datetime.datetime.now(datetime.UTC):%H:%M:%S}] {msg}", flush=True)


# --- load -----------------------------------------------------------------------------------------


def ensure_staff(n_staff: int) -> list[int]:
    from grc.models import Membership, Team, Territory, User

    existing = list(
        User.objects.filter(email__endswith="@bench-audit.invalid").order_by("pk").values_list("pk", flat=True)
    )
    if len(existing) >= n_staff:
        return existing[:n_staff]
    log(f"creating {n_staff} staff users, 100 teams, 10 territories")
    with transaction.atomic():
        territories = [
            Territory.objects.get_or_create(code=f"bench-t{i}", defaults={"name": f"Bench territoire {i}"})[0]
            for i in range(10)
        ]
        teams = [
            Team.objects.get_or_create(
                code=f"bench-team-{i}",
                defaults={
                    "name": f"Bench équipe {i}",
                    "kind": Team.Kind.POLYVALENCE,
                    "territory": territories[i % 10],
                },
            )[0]
            for i in range(100)
        ]
        users = User.objects.bulk_create(
            [
                User(email=f"agent{i}@bench-audit.invalid", first_name="Agent", last_name=f"Bench{i}", is_staff=True)
                for i in range(len(existing), n_staff)
            ]
        )
        Membership.objects.bulk_create(
            [
                Membership(
                    user=u,
                    team=teams[(len(existing) + k) % 100],
                    role=Membership.Role.SOCIAL_WORKER,
                    start_date=datetime.date(2020, 1, 1),
                )
                for k, u in enumerate(users)
            ]
        )
    return list(
        User.objects.filter(email__endswith="@bench-audit.invalid").order_by("pk").values_list("pk", flat=True)
    )[:n_staff]


class Timeline:
    """Maps a row number to its timestamp: weekdays of the last year, 08:00-18:00 UTC, evenly spread."""

    def __init__(self, rows: int, end: datetime.date):
        days = []
        day = end - datetime.timedelta(days=365)
        while day < end:
            if day.weekday() < 5:
                days.append(day)
            day += datetime.timedelta(days=1)
        self.days = days
        self.per_day = -(-rows // len(days))
        self.step_us = 10 * 3600 * 1_000_000 // self.per_day
        self.day_start_us = [
            int(datetime.datetime(d.year, d.month, d.day, 8, tzinfo=datetime.UTC).timestamp()) * 1_000_000
            for d in days
        ]

    def us(self, i: int) -> int:
        return self.day_start_us[i // self.per_day] + (i % self.per_day) * self.step_us


def _at_text(us: int, cache: dict) -> str:
    sec, micro = divmod(us, 1_000_000)
    prefix = cache.get(sec)
    if prefix is None:
        cache.clear()
        prefix = cache[sec] = datetime.datetime.fromtimestamp(sec, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{prefix}.{micro:06d}"


def generate_chunk(
    start: int, count: int, prev_hash: str, staff: list[int], citizens: int, timeline: Timeline, id_offset: int = 0
):
    """COPY text for rows start+1..start+count (seq = row number, id = seq + ``id_offset``) and the last hash.

    ``id_offset`` is 0 on a fresh load; a top-up after measuring runs starts ids after the highest one
    (rolled-back inserts use ids, not seqs)."""
    rng = random.Random(start)  # deterministic per chunk, so a resumed load writes the same rows
    actions = [a for a, w in ACTIONS for _ in range(w)]
    n_staff = len(staff)
    caseload = max(citizens // n_staff, 1)
    buf = io.StringIO()
    write = buf.write
    sha = hashlib.sha256
    cache: dict = {}
    rand = rng.random
    randrange = rng.randrange
    for i in range(start, start + count):
        seq = i + 1
        k = randrange(n_staff)
        actor = staff[k]
        if rand() < 0.9:
            citizen = (k * caseload + randrange(caseload)) % citizens + 1
        else:
            citizen = randrange(citizens) + 1
        action = actions[randrange(100)]
        purpose = "Accès d'urgence : évaluation en cours" if rand() < 0.001 else ""
        ip = f"10.0.{k // 250}.{k % 250 + 1}"
        at = _at_text(timeline.us(i), cache)
        object_id = str(citizen)
        text = f"{prev_hash}|{seq}|{at}|{actor}|{action}|grc.citizen|{object_id}|{citizen}|{purpose}|{ip}|"
        h = sha(text.encode()).hexdigest()
        write(
            f"{seq + id_offset}\t{seq}\t{at}+00\t{actor}\t{action}\tgrc.citizen\t{object_id}\t{citizen}"
            f"\t{purpose}\t{ip}\t\t{prev_hash}\t{h}\n"
        )
        prev_hash = h
    return buf.getvalue(), prev_hash


def load(rows: int, n_staff: int, citizens: int) -> None:
    from grc.audit import sql

    staff = ensure_staff(n_staff)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(max(seq), 0), coalesce(max(id), 0) FROM {sql.TABLE}")  # noqa: S608
        done, max_id = cursor.fetchone()
    id_offset = max(max_id - done, 0)
    if done >= rows:
        log(f"{done:,} access-log rows already loaded")
        finish_load(rows=done)
        return
    # Resuming after other rows were appended (the measurements log reads) is fine: the chain
    # continues from the last row, whatever wrote it.
    # The year ends today; a resumed load must keep the same timeline: store its end in a comment.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT obj_description('{sql.TABLE}'::regclass, 'pg_class')")  # noqa: S608
        (comment,) = cursor.fetchone()
        if comment and comment.startswith("bench-end:"):
            end = datetime.date.fromisoformat(comment.split(":", 1)[1])
        else:
            end = datetime.datetime.now(datetime.UTC).date()
            cursor.execute(f"COMMENT ON TABLE {sql.TABLE} IS 'bench-end:{end.isoformat()}'")
    timeline = Timeline(rows, end)
    log(f"loading rows {done + 1}..{rows} (staff {len(staff)}, citizens {citizens}, {len(timeline.days)} weekdays)")
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {sql.TABLE} DISABLE TRIGGER audit_accesslog_chain")
        for name in SECONDARY_INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
        if done:
            cursor.execute(f"SELECT hash FROM {sql.TABLE} WHERE seq = %s", [done])  # noqa: S608
            (prev_hash,) = cursor.fetchone()
        else:
            prev_hash = "0" * 64
    started = time.monotonic()
    gen_s = copy_s = 0.0
    # Generate the next chunk in a thread while PostgreSQL ingests the current one.
    from concurrent.futures import ThreadPoolExecutor

    def make(first, last_hash):
        t0 = time.monotonic()
        text, h = generate_chunk(first, min(CHUNK, rows - first), last_hash, staff, citizens, timeline, id_offset)
        return text, h, time.monotonic() - t0

    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(make, done, prev_hash)
        while done < rows:
            text, last_hash, spent = pending.result()
            count = min(CHUNK, rows - done)
            gen_s += spent
            if done + count < rows:
                pending = pool.submit(make, done + count, last_hash)
            t1 = time.monotonic()
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
                with cursor.copy(f"COPY {sql.TABLE} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                    copy.write(text)
            del text
            copy_s += time.monotonic() - t1
            done += count
            rate = done / (time.monotonic() - started)
            log(f"{done:,} rows ({rate:,.0f} rows/s overall; generate {gen_s:.0f} s, copy {copy_s:.0f} s)")
    finish_load(rows=done)
    log(f"load done in {time.monotonic() - started:.0f} s")


def finish_load(*, rows: int) -> None:
    """Rebuild the missing secondary indexes, re-enable the chain trigger, VACUUM ANALYZE (idempotent)."""
    from grc.audit import sql

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [sql.TABLE])
        present = {r[0] for r in cursor.fetchall()}
        missing = [name for name in SECONDARY_INDEXES if name not in present]
        cursor.execute("SELECT tgenabled FROM pg_trigger WHERE tgname = 'audit_accesslog_chain' AND NOT tgisinternal")
        trigger_off = cursor.fetchone()[0] == "D"
        if not missing and not trigger_off:
            return
        log(f"rebuilding indexes: {', '.join(missing)}")
        cursor.execute("SET maintenance_work_mem = '1GB'")
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{sql.TABLE}', 'id'), "  # noqa: S608
            f"greatest(%s, (SELECT max(id) FROM {sql.TABLE})))",
            [rows],
        )
        for name in missing:
            t0 = time.monotonic()
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {sql.TABLE} {SECONDARY_INDEXES[name]}")
            log(f"index {name}: {time.monotonic() - t0:.0f} s")
        cursor.execute(f"ALTER TABLE {sql.TABLE} ENABLE TRIGGER audit_accesslog_chain")
        t0 = time.monotonic()
        cursor.execute(f"VACUUM ANALYZE {sql.TABLE}")
        log(f"vacuum analyze: {time.monotonic() - t0:.0f} s")
        cursor.execute(f"SELECT pg_size_pretty(pg_total_relation_size('{sql.TABLE}'))")
        log(f"table + indexes: {cursor.fetchone()[0]}")


# --- measurements ---------------------------------------------------------------------------------


def p95(values: list[float]) -> float:
    values = sorted(values)
    return values[max(0, int(round(0.95 * len(values))) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=50_000_000)
    parser.add_argument("--staff", type=int, default=1_500)
    parser.add_argument("--citizens", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--logged-reads", type=int, default=2_000, help="reads with, and without, their log row")
    parser.add_argument("--verify-rows", type=int, default=5_000_000, help="0: verify the whole table")
    parser.add_argument("--load-only", action="store_true")
    parser.add_argument("--skip-purge", action="store_true")
    parser.add_argument(
        "--detect-rows", type=int, default=5_000, help="anomaly detection over the last N rows (one 15-minute run)"
    )
    parser.add_argument("--detect-only", action="store_true", help="only the anomaly-detection measurement")
    args = parser.parse_args()

    call_command("migrate", verbosity=0, interactive=False)
    if args.detect_only:
        measure_detection(args.detect_rows)
        return
    load(args.rows, args.staff, args.citizens)
    if args.load_only:
        return
    measure(args)


def _timed(fn, *args, **kwargs) -> tuple[float, object]:
    t0 = time.perf_counter()
    result = fn(*args, **kwargs)
    return (time.perf_counter() - t0) * 1000, result


def _bench_dpo():
    from grc.models import Membership, Team, User

    team, _ = Team.objects.get_or_create(code="bench-dpo", defaults={"name": "Bench DPO", "kind": Team.Kind.DPO})
    user, created = User.objects.get_or_create(
        email="dpo@bench-audit.local", defaults={"first_name": "Bench", "last_name": "DPO", "is_staff": True}
    )
    if created:
        Membership.objects.create(user=user, team=team, role=Membership.Role.DPO, start_date=datetime.date(2020, 1, 1))
    return user


def _bounds():
    """The loaded table's first and last dates and highest ``seq``, its row count and the bench staff ids.

    The loaded year ends at the last bench row (reads logged by earlier measurements are dated now)."""
    from django.db.models import Max, Min

    from grc.audit.models import AccessLog
    from grc.models import User

    bounds = AccessLog.objects.aggregate(lo=Min("at"), hi=Max("at"), seq=Max("seq"))
    bench_staff = User.objects.filter(email__endswith="@bench-audit.invalid").values_list("pk", flat=True)
    bounds["hi"] = (
        AccessLog.objects.filter(actor_id__in=list(bench_staff)).order_by("-seq").values_list("at", flat=True)[0]
    )
    total = AccessLog.objects.count()
    log(f"measuring on {total:,} rows ({bounds['lo']:%Y-%m-%d} .. {bounds['hi']:%Y-%m-%d}), load {os.getloadavg()}")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_size_pretty(pg_total_relation_size('audit_accesslog')), "
            "pg_size_pretty(pg_relation_size('audit_accesslog'))"
        )
        log("table + indexes, heap: {}, {}".format(*cursor.fetchone()))
    staff = list(User.objects.filter(email__endswith="@bench-audit.invalid").values_list("pk", flat=True))
    return bounds, total, staff


def _console_pages(args, *, rng, dpo, key: str, pick, since) -> dict:
    """p95 of the console's first page and of the full result for ``args.samples`` filters, each on the
    value ``pick()`` draws for the field ``key`` (``citizen`` or ``actor``) since ``since``; mean rows."""
    from grc.audit import selectors as sel
    from grc.audit.models import AccessLog

    page_ms, all_ms, sizes = [], [], []
    for _ in range(args.samples):
        value = pick()
        filters = sel.LogFilters(**{key: value}, since=since)
        ms, _page = _timed(sel.access_log_page, user=dpo, filters=filters)
        page_ms.append(ms)
        ms, rows = _timed(
            lambda v=value: list(
                AccessLog.objects.filter(**{f"{key}_id": v, "at__gte": since})
                .order_by("-at", "-id")
                .values_list(*sel.LIST_FIELDS)
            )
        )
        all_ms.append(ms)
        sizes.append(len(rows))
    return {"page_p95_ms": p95(page_ms), "all_p95_ms": p95(all_ms), "rows_mean": statistics.fmean(sizes)}


def _team_and_action_pages(args, *, rng, dpo, since) -> dict:
    """Team filter (UNION ALL over the team's memberships) and action filter, one page each."""
    from grc.audit import selectors as sel
    from grc.models import Team

    teams = list(Team.objects.filter(code__startswith="bench-team-").values_list("pk", flat=True))
    team_ms, action_ms = [], []
    for _ in range(min(args.samples, 50)):
        filters = sel.LogFilters(team=rng.choice(teams), since=since)
        team_ms.append(_timed(sel.access_log_page, user=dpo, filters=filters)[0])
    for _ in range(min(args.samples, 50)):
        filters = sel.LogFilters(action="document.download", since=since)
        action_ms.append(_timed(sel.access_log_page, user=dpo, filters=filters, cursor="")[0])
    return {"team_month_page_p95_ms": p95(team_ms), "action_month_page_p95_ms": p95(action_ms)}


def _verify_speed(args, *, max_seq: int, total: int) -> dict:
    """Chain verification speed on a slice (or the whole table)."""
    from grc.audit.verify import verify_chain

    if args.verify_rows and args.verify_rows < total:
        start = max(max_seq - args.verify_rows, 0)
        ms, report = _timed(verify_chain, start_seq=start, end_seq=max_seq, batch_size=500_000)
    else:
        ms, report = _timed(verify_chain, batch_size=500_000)
    rows_per_s = report.checked / (ms / 1000)
    return {
        "verify_rows": report.checked,
        "verify_ok": report.ok,
        "verify_rows_per_s": rows_per_s,
        "verify_full_estimate_min": total / rows_per_s / 60,
    }


def _purge_oldest_month(*, oldest) -> dict:
    """Retention: purge the oldest month (dry run, then for real), then verify the chain's start."""
    from grc.audit.retention import access_log_purge
    from grc.audit.verify import verify_chain

    before = oldest + datetime.timedelta(days=30)
    dry_ms, _dry = _timed(access_log_purge, before=before, dry_run=True)
    ms, done = _timed(access_log_purge, before=before, dry_run=False, reason="bench")
    t0 = time.perf_counter()
    report = verify_chain(start_seq=None, end_seq=done.anchor_seq + 1_000_000, batch_size=500_000)
    return {
        "purge_month_dry_run_s": dry_ms / 1000,
        "purge_month_rows": done.rows,
        "purge_month_s": ms / 1000,
        "verify_after_purge_first_1M_ok": report.ok,
        "verify_after_purge_first_1M_s": time.perf_counter() - t0,
    }


def measure(args) -> None:
    rng = random.Random(7)
    dpo = _bench_dpo()
    bounds, total, staff = _bounds()
    year_ago = bounds["hi"] - datetime.timedelta(days=365)
    results = {}

    # 1. All accesses to one citizen over a year: first console page, and every row.
    citizen_year = _console_pages(
        args, rng=rng, dpo=dpo, key="citizen", pick=lambda: rng.randrange(args.citizens) + 1, since=year_ago
    )
    results.update({f"citizen_year_{name}": value for name, value in citizen_year.items()})

    # 2. One user's accesses over a month (the last loaded month).
    month_start = bounds["hi"] - datetime.timedelta(days=30)
    user_month = _console_pages(args, rng=rng, dpo=dpo, key="actor", pick=lambda: rng.choice(staff), since=month_start)
    results.update({f"user_month_{name}": value for name, value in user_month.items()})

    # 2b. Team and action filters, one page.
    results.update(_team_and_action_pages(args, rng=rng, dpo=dpo, since=month_start))

    # 3. Added cost of one logged read: citizen_get with and without its access-log write.
    results.update(_logged_read_cost(args))

    # 4. Chain verification speed on a slice (or the whole table).
    results.update(_verify_speed(args, max_seq=bounds["seq"], total=total))

    # 5. Retention: purge the oldest month (dry run, then for real).
    if not args.skip_purge:
        results.update(_purge_oldest_month(oldest=bounds["lo"]))

    log(f"load average after: {os.getloadavg()}")
    for key, value in results.items():
        print(f"{key:40} {value:,.2f}" if isinstance(value, float) else f"{key:40} {value}")


def measure_detection(rows: int) -> None:
    """Anomaly detection over the last ``rows`` rows, as one scheduled run would see them."""
    from django.db.models import Max

    from grc.audit.alerts import detect, ensure_default_rules
    from grc.audit.models import AccessLog, AlertRule

    ensure_default_rules()
    end = AccessLog.objects.aggregate(m=Max("seq"))["m"] or 0
    AlertRule.objects.update(last_seq=max(end - rows, 0))
    t0 = time.perf_counter()
    summary = detect()
    seconds = time.perf_counter() - t0
    print(f"{'detect_rows':40} {rows}")
    print(f"{'detect_seconds':40} {seconds:,.2f}")
    print(f"{'detect_rows_per_s':40} {rows / seconds:,.0f}")
    print(f"{'detect_alerts_raised':40} {summary.raised}")


def _logged_read_cost(args) -> dict:
    """A citizen read through ``citizen_get`` (the real selector), with and without its log write."""
    import grc.selectors.citizens as citizen_selectors
    from grc.models import Citizen, Membership, Team, User

    team = Team.objects.filter(code="bench-team-0").first()
    reader, created = User.objects.get_or_create(
        email="reader@bench-audit.local", defaults={"first_name": "Bench", "last_name": "Reader", "is_staff": True}
    )
    if created:
        Membership.objects.create(
            user=reader, team=team, role=Membership.Role.INSTRUCTOR, start_date=datetime.date(2020, 1, 1)
        )
    citizens = list(Citizen.objects.filter(birth_name="Benchaudit").values_list("pk", flat=True))
    if not citizens:
        Citizen.objects.bulk_create(
            [
                Citizen(birth_name="Benchaudit", first_names=f"Usager {i}", norm_birth_name="BENCHAUDIT")
                for i in range(50)
            ]
        )
        citizens = list(Citizen.objects.filter(birth_name="Benchaudit").values_list("pk", flat=True))
    real_write = citizen_selectors.access_log_write

    def no_write(**kwargs):
        return None

    def timed_read(i: int, write) -> float:
        # As a view runs it: autocommit, no surrounding transaction (ATOMIC_REQUESTS is off), so
        # the log INSERT commits on its own and waits for its WAL flush.
        citizen_selectors.access_log_write = write
        try:
            t0 = time.perf_counter()
            citizen_selectors.citizen_get(user=reader, pk=citizens[i % len(citizens)])
            return (time.perf_counter() - t0) * 1000
        finally:
            citizen_selectors.access_log_write = real_write

    def set_commit(mode: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"SET synchronous_commit = {mode}")

    for i in range(200):  # warm-up
        timed_read(i, real_write)
    # Alternated read by read: the shared machine's load drifts, and drift must not land on one side.
    with_log, without_log, async_log = [], [], []
    for i in range(args.logged_reads):
        without_log.append(timed_read(i, no_write))
        with_log.append(timed_read(i, real_write))
        set_commit("off")  # the same write with asynchronous commit: separates the WAL flush
        async_log.append(timed_read(i, real_write))
        set_commit("on")
    med_with, med_without = statistics.median(with_log), statistics.median(without_log)
    return {
        "logged_reads_each": len(with_log),
        "read_without_log_median_ms": med_without,
        "read_with_log_median_ms": med_with,
        "read_with_log_async_commit_median_ms": statistics.median(async_log),
        "logged_read_added_median_ms": med_with - med_without,
        "logged_read_added_p95_ms": p95(with_log) - p95(without_log),
        "logged_read_added_async_commit_median_ms": statistics.median(async_log) - med_without,
        "logged_read_ratio": med_with / med_without,
    }


if __name__ == "__main__":
    main()
