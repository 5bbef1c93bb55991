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
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Forced, not defaulted: the bench must never load millions of rows into the dev database.
os.environ["EMBEDDED_DATABASE_NAME"] = "grc_bench_audit" + os.environ.get("BENCH_AUDIT_SUFFIX", "")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

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
    "accesslog_actor_at": "(actor_id, at)",
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


def generate_chunk(start: int, count: int, prev_hash: str, staff: list[int], citizens: int, timeline: Timeline):
    """COPY text for rows start+1..start+count (seq = id = row number) and the last hash."""
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
            f"{seq}\t{seq}\t{at}+00\t{actor}\t{action}\tgrc.citizen\t{object_id}\t{citizen}\t{purpose}\t{ip}\t\t{prev_hash}\t{h}\n"
        )
        prev_hash = h
    return buf.getvalue(), prev_hash


def load(rows: int, n_staff: int, citizens: int) -> None:
    from grc.audit import sql

    staff = ensure_staff(n_staff)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(max(seq), 0) FROM {sql.TABLE}")  # noqa: S608
        (done,) = cursor.fetchone()
    if done >= rows:
        log(f"{done} access-log rows already loaded")
        return
    if done % CHUNK and done:
        sys.exit(f"the table holds {done} rows, not a whole number of chunks: load into a fresh database")
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
        text, h = generate_chunk(first, min(CHUNK, rows - first), last_hash, staff, citizens, timeline)
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
    log("rebuilding indexes")
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{sql.TABLE}', 'id'), %s)", [rows])
        for name, definition in SECONDARY_INDEXES.items():
            t0 = time.monotonic()
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {sql.TABLE} {definition}")
            log(f"index {name}: {time.monotonic() - t0:.0f} s")
        cursor.execute(f"ALTER TABLE {sql.TABLE} ENABLE TRIGGER audit_accesslog_chain")
        t0 = time.monotonic()
        cursor.execute(f"VACUUM ANALYZE {sql.TABLE}")
        log(f"vacuum analyze: {time.monotonic() - t0:.0f} s")
        cursor.execute(f"SELECT pg_size_pretty(pg_total_relation_size('{sql.TABLE}'))")
        log(f"table + indexes: {cursor.fetchone()[0]}")
    log(f"load done in {time.monotonic() - started:.0f} s")


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
    parser.add_argument("--verify-rows", type=int, default=5_000_000, help="0: verify the whole table")
    parser.add_argument("--load-only", action="store_true")
    parser.add_argument("--skip-purge", action="store_true")
    args = parser.parse_args()

    call_command("migrate", verbosity=0, interactive=False)
    load(args.rows, args.staff, args.citizens)
    if args.load_only:
        return
    measure(args)


def measure(args) -> None:  # filled in below
    from bench_audit_measure import run  # noqa: F401  (placeholder replaced in the final version)


if __name__ == "__main__":
    main()
