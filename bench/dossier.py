"""The social file at scale: file page and caseload page server time (a benchmark, not a test).

Runs against its own database (``grc_bench`` on the embedded server, which already holds the
citizens of ``bench/identity.py``). Loads, unless already there:

- the demo organisation and demo staff (``demo.organisation``, ``demo.accounts``: teams, ``ts.vitre``
  in the Vitré social-action team) and one ``TeamGroup`` per CDAS team (``services.team_group``);
- ``--files`` social files (300,000) for existing citizens, each with one open accompaniment of a
  CDAS team (one in five with a second, closed one), and the team's ``view_socialfile`` row in
  guardian's ``SocialFileGroupObjectPermission`` — exactly the rows ``accompaniment_open`` writes;
- ``--entries`` timeline entries (10,000,000): 1,000 on one chosen file followed by the Vitré team,
  the rest spread evenly over the other files; 80 % *file*, 15 % *team*, 5 % *private* visibility.

with PostgreSQL COPY, ids reserved from the tables' sequences, the timeline's secondary indexes and
foreign keys dropped during the load and rebuilt after (then VACUUM ANALYZE). Bench rows get no
simple_history rows (reads never touch history; the services write it in real use).

Then times, as ``ts.vitre`` with a verified 2FA session through ``django.test.Client`` (all the
middleware, the template and the access-log write included):

- the file page of the 1,000-entry file (``backoffice:file_detail``);
- the caseload page (``backoffice:caseload``, first page);
- the baseline: the same file's first timeline page read with index scans disabled (what the
  page would cost without the ``timeline_citizen_occurred`` index).

If a back-office page is not available (URL missing or not rendering), its selector path is timed
instead and the output says so.

    .venv/bin/python bench/dossier.py                      # 300,000 files, 10,000,000 entries
    .venv/bin/python bench/dossier.py --files 20000 --entries 500000 --requests 100
"""

from __future__ import annotations

import argparse
import datetime
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
os.environ["EMBEDDED_DATABASE_NAME"] = "grc_bench"
os.environ.setdefault("GRC_DATABASE_ROLE", "owner")  # the load drops/rebuilds indexes and triggers
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import OuterRef, Subquery  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.common import verified_client  # noqa: E402
from demo import accounts, data, organisation  # noqa: E402
from demo.records import Counts  # noqa: E402
from dossier_unique import perms, selectors, services  # noqa: E402
from dossier_unique.models import (  # noqa: E402
    Accompaniment,
    SocialFile,
    SocialFileGroupObjectPermission,
    TimelineEntry,
)
from grc.models import Team, User  # noqa: E402

BENCH_TEAM = "asp-cdas-vitre"
BENCH_USER = f"ts.vitre@{data.DEMO_EMAIL_DOMAIN}"
CHOSEN_ENTRIES = 1_000
# Team kind -> the programmes its accompaniments follow.
PROGRAMMES = {
    "pmi": ["pmi"],
    "rsa": ["rsa", "insertion"],
    "ase": ["ase"],
    "apa_pch": ["apa", "pch"],
    "polyvalence": ["logement_fsl", "aide_financiere", "autre"],
}
KINDS = [
    ("note", "Entretien"),
    ("note", "Visite à domicile"),
    ("note", "Appel téléphonique"),
    ("document_added", "Document ajouté : Justificatif de ressources"),
    ("member_added", "Intervenant ajouté"),
    ("accompaniment_transferred", "Accompagnement transféré"),
]


def _reserve_ids(cursor, model, count: int) -> int:
    """Reserve ``count`` ids from the table's sequence; returns the first."""
    table = model._meta.db_table
    cursor.execute(
        "SELECT setval(pg_get_serial_sequence(%s, 'id'), nextval(pg_get_serial_sequence(%s, 'id')) + %s - 1)",
        [table, table, count],
    )
    return cursor.fetchone()[0] - count + 1


def _copy(cursor, table: str, columns: tuple[str, ...], text: str) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        copy.write(text)


def ensure_organisation() -> tuple[User, dict[int, tuple[str, int | None]]]:
    """Demo teams and staff (idempotent), and the CDAS teams' groups: (bench user, {team id: (kind, territory)})."""
    counts = Counts()
    actor = accounts.system_account()
    organisation.seed_organisation(actor=actor, counts=counts)
    if not User.objects.filter(email=BENCH_USER).exists():
        accounts.seed_staff(actor=actor, password=data.DEFAULT_PASSWORD, counts=counts)
    teams = {
        team.pk: (team.kind, team.territory_id) for team in Team.objects.filter(kind__in=PROGRAMMES).order_by("pk")
    }
    for team in Team.objects.filter(pk__in=teams):
        services.team_group(team=team)
    return User.objects.get(email=BENCH_USER), teams


def load_files(count: int, teams: dict[int, tuple[str, int | None]], seed_value: int) -> float:
    """COPY ``count`` files with their accompaniments and team permission rows; returns seconds."""
    existing = SocialFile.objects.count()
    if existing >= count:
        print(f"{existing:,} social files already in grc_bench")
        return 0.0
    count -= existing
    started = time.perf_counter()
    rng = random.Random(seed_value)
    permission_id = services.access._view_permission().pk
    group_of = dict(
        SocialFileGroupObjectPermission._meta.get_field("group")
        .related_model.objects.filter(dsu_team__team_id__in=teams)
        .values_list("dsu_team__team_id", "pk")
    )
    team_ids = sorted(teams)
    now = timezone.now().isoformat()
    today = timezone.localdate()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute(
            "SELECT c.id FROM grc_citizen c WHERE c.status = 'active' AND NOT EXISTS "
            "(SELECT 1 FROM dossier_unique_socialfile f WHERE f.citizen_id = c.id) ORDER BY c.id LIMIT %s",
            [count],
        )
        citizen_ids = [row[0] for row in cursor.fetchall()]
        count = len(citizen_ids)
        first_file = _reserve_ids(cursor, SocialFile, count)
        second_count = count // 5
        first_acc = _reserve_ids(cursor, Accompaniment, count + second_count)
        first_perm = _reserve_ids(cursor, SocialFileGroupObjectPermission, count)
        files, accompaniments, permissions = io.StringIO(), io.StringIO(), io.StringIO()
        acc_id = first_acc
        for i, citizen_id in enumerate(citizen_ids):
            file_id = first_file + i
            team_id = team_ids[i % len(team_ids)]
            kind, territory_id = teams[team_id]
            territory = "\\N" if territory_id is None else str(territory_id)
            files.write(f"{file_id}\t{citizen_id}\t{territory}\t{now}\n")
            programme = rng.choice(PROGRAMMES[kind])
            start = today - datetime.timedelta(days=rng.randint(1, 2000))
            accompaniments.write(f"{acc_id}\t{file_id}\t{programme}\t{team_id}\t\\N\t{start}\t\\N\topen\t\n")
            acc_id += 1
            permissions.write(f"{first_perm + i}\t{permission_id}\t{group_of[team_id]}\t{file_id}\n")
            if i < second_count:  # an earlier, closed accompaniment of another team: no permission
                other = team_ids[(i * 7 + 3) % len(team_ids)]
                other_programme = rng.choice(PROGRAMMES[teams[other][0]])
                if other_programme == programme:
                    other_programme = "autre" if programme != "autre" else "aide_financiere"
                end = start - datetime.timedelta(days=1)
                old_start = end - datetime.timedelta(days=rng.randint(30, 900))
                accompaniments.write(
                    f"{acc_id}\t{file_id}\t{other_programme}\t{other}\t\\N\t{old_start}\t{end}\tclosed\tFin du suivi\n"
                )
                acc_id += 1
        _copy(cursor, SocialFile._meta.db_table, ("id", "citizen_id", "territory_id", "created_at"), files.getvalue())
        _copy(
            cursor,
            Accompaniment._meta.db_table,
            ("id", "file_id", "programme", "team_id", "referent_id", "start_date", "end_date", "status")
            + ("closing_reason",),
            accompaniments.getvalue(),
        )
        _copy(
            cursor,
            SocialFileGroupObjectPermission._meta.db_table,
            ("id", "permission_id", "group_id", "content_object_id"),
            permissions.getvalue(),
        )
    seconds = time.perf_counter() - started
    print(
        f"loaded {count:,} files, {acc_id - first_acc:,} accompaniments, {count:,} permission rows in {seconds:.0f} s"
    )
    return seconds


def chosen_file() -> SocialFile:
    """The bench file: the first file followed by the Vitré social-action team."""
    accompaniment = (
        Accompaniment.objects.filter(team__code=BENCH_TEAM, status=Accompaniment.Status.OPEN)
        .order_by("file_id")
        .select_related("file")
        .first()
    )
    return accompaniment.file


def _timeline_constraints(cursor) -> tuple[list[str], list[tuple[str, str]]]:
    """Drop the timeline's secondary indexes and foreign keys; return what rebuilds them."""
    table = TimelineEntry._meta.db_table
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conname = indexname)",
        [table],
    )
    indexes = cursor.fetchall()
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
        [table],
    )
    foreign_keys = cursor.fetchall()
    for name, _ in foreign_keys:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _, definition in indexes], foreign_keys


def load_entries(count: int, author_ids: list[int], seed_value: int) -> float:
    """COPY ``count`` timeline entries (1,000 on the chosen file); returns seconds."""
    existing = TimelineEntry.objects.count()
    if existing >= count:
        print(f"{existing:,} timeline entries already in grc_bench")
        return 0.0
    count -= existing
    started = time.perf_counter()
    rng = random.Random(seed_value)
    chosen = chosen_file()
    table = TimelineEntry._meta.db_table
    columns = ("id", "citizen_id", "file_id", "occurred_at", "kind", "title", "visibility", "team_id", "author_id")
    columns += ("programme", "source_type", "source_id")
    now = timezone.now()
    stamps = [(now - datetime.timedelta(seconds=rng.randint(0, 5 * 365 * 86400))).isoformat() for _ in range(200_000)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT f.id, f.citizen_id, a.team_id, a.programme FROM dossier_unique_socialfile f "
            "JOIN dossier_unique_accompaniment a ON a.file_id = f.id AND a.status = 'open' ORDER BY f.id"
        )
        files = {}
        for file_id, citizen_id, team_id, programme in cursor.fetchall():
            files.setdefault(file_id, (citizen_id, team_id, programme))
    others = [f for f in files if f != chosen.pk]
    rest = count - CHOSEN_ENTRIES
    base, extra = divmod(rest, len(others))
    plan = [(chosen.pk, CHOSEN_ENTRIES)] + [(f, base + (i < extra)) for i, f in enumerate(others)]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        indexes, foreign_keys = _timeline_constraints(cursor)
        next_id = _reserve_ids(cursor, TimelineEntry, count)
        buffer, written = io.StringIO(), 0
        kinds = [(k, t) for k, t in KINDS]
        for file_id, n in plan:
            citizen_id, team_id, programme = files[file_id]
            head = f"\t{citizen_id}\t{file_id}\t"
            tail_file = f"\tfile\t\\N\t\\N\t{programme}\t\t\n"
            tail_team = f"\tteam\t{team_id}\t\\N\t{programme}\t\t\n"
            for _ in range(n):
                r = rng.getrandbits(40)
                kind, title = kinds[r % 6]
                roll = (r >> 3) % 100
                if roll < 80:
                    tail = tail_file
                elif roll < 95:
                    tail = tail_team
                else:
                    tail = f"\tprivate\t\\N\t{author_ids[r % len(author_ids)]}\t{programme}\t\t\n"
                buffer.write(f"{next_id}{head}{stamps[(r >> 10) % 200_000]}\t{kind}\t{title}{tail}")
                next_id += 1
                written += 1
                if written % 500_000 == 0:
                    _copy(cursor, table, columns, buffer.getvalue())
                    buffer = io.StringIO()
                    print(
                        f"  {written:,}/{count:,} entries copied ({time.perf_counter() - started:.0f} s)", flush=True
                    )
        _copy(cursor, table, columns, buffer.getvalue())
        copied = time.perf_counter() - started
        print(f"  {written:,} entries copied in {copied:.0f} s; rebuilding indexes and foreign keys", flush=True)
        for definition in indexes:
            cursor.execute(definition)
        for name, definition in foreign_keys:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    with connection.cursor() as cursor:
        for t in (table, "dossier_unique_socialfile", "dossier_unique_accompaniment"):
            cursor.execute(f"VACUUM ANALYZE {t}")
        cursor.execute("VACUUM ANALYZE dossier_unique_socialfilegroupobjectpermission")
    seconds = time.perf_counter() - started
    print(f"loaded {written:,} timeline entries in {seconds:.0f} s (COPY {copied:.0f} s, then indexes)")
    return seconds


# --- measurement ---------------------------------------------------------------------------------


def _pcts(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered), p95


def _time(fn, n: int, warm: int = 5) -> list[float]:
    for _ in range(warm):
        fn()
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _page(client, url_name, *args):
    """A callable GETting the page, or None when the page is not there (or does not render)."""
    try:
        url = reverse(url_name, args=args)
    except NoReverseMatch:
        return None, "URL absente"
    try:
        response = client.get(url)
    except Exception as exc:  # noqa: BLE001 -- a colleague's page still being built
        return None, f"{type(exc).__name__}: {exc}"
    if response.status_code != 200:
        return None, f"HTTP {response.status_code}"

    def get():
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        response.content  # noqa: B018 -- rendered fully

    return get, url


def file_selectors(user, file_id):
    def run():
        file = selectors.file_get(user=user, pk=file_id)
        list(selectors.timeline_for(user=user, file=file, log=False)[:50])
        list(selectors.notes_for(user=user, file=file, log=False)[:50])
        list(selectors.documents_for(user=user, file=file, log=False)[:50])

    return run


def caseload_selectors(user):
    def run():
        from grc.audit.models import AccessLog
        from grc.audit.services import access_log_write

        last_contact = (
            TimelineEntry.objects.filter(perms.visible_entries_q(user), citizen_id=OuterRef("citizen_id"))
            .order_by("-occurred_at", "-id")
            .values("occurred_at")[:1]
        )
        files = selectors.files_for(user=user).annotate(last_contact=Subquery(last_contact))
        list(files.order_by("-last_contact", "-pk")[:25])
        files.count()
        access_log_write(actor=user, action=AccessLog.Action.API_READ, purpose="banc d'essai")

    return run


def baseline(user, file_id):
    """The first timeline page of the file without the timeline index (sequential scan)."""

    def run():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_indexscan = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            cursor.execute("SET LOCAL enable_indexonlyscan = off")
            file = selectors.files_for(user=user).get(pk=file_id)
            list(selectors.timeline_for(user=user, file=file, log=False)[:50])

    return run


def run(args) -> None:
    call_command("migrate", verbosity=0)
    settings.DEBUG = False  # no query log in memory, production-like timings
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    user, teams = ensure_organisation()
    staff = list(User.objects.filter(is_staff=True).order_by("pk").values_list("pk", flat=True)[:20])
    files_seconds = load_files(args.files, teams, args.seed)
    entries_seconds = load_entries(args.entries, staff, args.seed)
    file = chosen_file()
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'dossier_unique_timelineentry'")
        entries_total = cursor.fetchone()[0]
    on_file = TimelineEntry.objects.filter(citizen_id=file.citizen_id).count()
    visible = selectors.files_for(user=user).count()
    client = verified_client(user)

    file_page, file_note = _page(client, "backoffice:file_detail", file.pk)
    if file_page is None:
        print(f"file page not available ({file_note}): timing file_get + timeline_for(50) + notes_for + documents_for")
        file_page, file_note = file_selectors(user, file.pk), "selectors"
    caseload, caseload_note = _page(client, "backoffice:caseload")
    if caseload is None:
        print(f"caseload page not available ({caseload_note}): timing files_for(25) + last contact + count + log")
        caseload, caseload_note = caseload_selectors(user), "selectors"

    f_samples = _time(file_page, args.requests)
    c_samples = _time(caseload, args.requests)
    # The selector paths alone: what the domain layer costs, without the middleware and the template.
    fs_samples = _time(file_selectors(user, file.pk), args.requests)
    cs_samples = _time(caseload_selectors(user), args.requests)
    b_samples = _time(baseline(user, file.pk), args.baseline_requests, warm=1)
    f50, f95 = _pcts(f_samples)
    b50, b95 = _pcts(b_samples)
    print()
    print(
        f"machine: {os.cpu_count()} CPU, PostgreSQL embedded ({connection.pg_version // 10000}), "
        f"files={SocialFile.objects.count():,}, timeline entries≈{entries_total:,}, "
        f"chosen file {file.pk}: {on_file:,} entries; {BENCH_USER} sees {visible:,} files"
    )
    if files_seconds or entries_seconds:
        print(f"load: files {files_seconds:.0f} s, timeline entries {entries_seconds:.0f} s")
    rows = [
        (f"file page ({file_note})", f_samples),
        (f"caseload ({caseload_note})", c_samples),
        ("file selectors: file_get + timeline(50) + notes + documents", fs_samples),
        ("caseload selectors: files_for(25) + last contact + count + log", cs_samples),
        ("baseline: file + timeline page without index", b_samples),
    ]
    for label, samples in rows:
        p50, p95 = _pcts(samples)
        print(f"{label:66s} n={len(samples):4d}  p50={p50:7.1f} ms  p95={p95:7.1f} ms")
    print(f"file page p95 {f95:.1f} ms (target 100 ms)", end="; ")
    print(f"ratio baseline/file page p50 {b50 / f50:.1f}x p95 {b95 / f95:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=300_000)
    parser.add_argument("--entries", type=int, default=10_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--baseline-requests", type=int, default=10, help="the scan is slow: fewer samples")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--load-only", action="store_true")
    args = parser.parse_args()
    if args.load_only:
        call_command("migrate", verbosity=0)
        _, teams = ensure_organisation()
        staff = list(User.objects.filter(is_staff=True).order_by("pk").values_list("pk", flat=True)[:20])
        load_files(args.files, teams, args.seed)
        load_entries(args.entries, staff, args.seed)
        return
    run(args)


if __name__ == "__main__":
    main()
