""" "Non-recours possible" at scale: the per-team list's server time for an agent whose team follows 3,000 files,
and the nightly batch's end-to-end throughput (a benchmark, not a test).

Runs against its own database (``grc_bench_nonrecours`` on the embedded server, migrated here). Loads, unless
already there, with bulk inserts:

- the demo organisation and staff; the bench agent is ``ts.vitre`` of the Vitré social-action team;
- ``--files`` (3,000) citizens with a social file followed by that team (the team's guardian row), each with a
  current consent and a recorded situation (varied: single, couples, children, pensioners, disabled adults,
  tenants in a few communes), and ``--other-files`` (20,000) files of other teams with precomputed non-recours
  rows (what the list must filter out).

Then: the batch (``droits.batch.non_recours_rebuild``: read, one vectorised OpenFisca simulation per chunk, the
rules, write) over the team's 3,000 households, in households/s (target ≥ 50); and ``GET
/backoffice/droits/non-recours/`` as the agent (every middleware, the template, the access-log row), unfiltered
and filtered by benefit, p50/p95 (target p95 ≤ 200 ms), beside the **baseline** in the same run: the team's
social file list (``GET /backoffice/dossiers/``, "Mes dossiers") for the same agent and files.

    .venv/bin/python bench/nonrecours.py
    .venv/bin/python bench/nonrecours.py --requests 50 --skip-batch
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Forced, not defaulted: the bench must never load its rows into the dev database.
os.environ["EMBEDDED_DATABASE_NAME"] = "grc_bench_nonrecours"
os.environ.setdefault("GRC_DATABASE_ROLE", "owner")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries, transaction  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.common import describe, timed, verified_client  # noqa: E402
from demo import accounts, data, organisation  # noqa: E402
from demo.records import Counts  # noqa: E402
from dossier_unique import services as file_services  # noqa: E402
from dossier_unique.models import Accompaniment, SocialFile, SocialFileGroupObjectPermission  # noqa: E402
from droits import batch  # noqa: E402
from droits.engine import estimate_many, warm_up  # noqa: E402
from droits.models import EstimateConsent, NonRecours, RecordedSituation, SituationMember  # noqa: E402
from droits.situation import engine_situation  # noqa: E402
from grc.models import Citizen, Team, User  # noqa: E402

BENCH_TEAM = "asp-cdas-vitre"
BENCH_USER = f"ts.vitre@{data.DEMO_EMAIL_DOMAIN}"
COMMUNES = ["35238", "35360", "35115", "35236", "35288", "35047"]
BENEFITS = ["rsa", "prime_activite", "aides_logement", "aah", "aspa", "allocations_familiales", "apa"]


def ensure_organisation() -> tuple[User, Team]:
    counts = Counts()
    actor = accounts.system_account()
    organisation.seed_organisation(actor=actor, counts=counts)
    if not User.objects.filter(email=BENCH_USER).exists():
        accounts.seed_staff(actor=actor, password=data.DEFAULT_PASSWORD, counts=counts)
    return User.objects.get(email=BENCH_USER), Team.objects.get(code=BENCH_TEAM)


def _members(rng: random.Random, situation_id: int) -> list[SituationMember]:
    """A varied household: single or couple, 0-3 children, a pensioner or a disabled adult now and then."""
    today = timezone.localdate()
    kind = rng.random()
    age = 70 + rng.randrange(15) if kind < 0.15 else 25 + rng.randrange(35)
    first = SituationMember(
        situation_id=situation_id,
        position=0,
        role="demandeur",
        birth_date=datetime.date(today.year - age, 1 + rng.randrange(12), 1),
        salary_monthly=Decimal(rng.choice([0, 0, 600, 900, 1400, 2100])) if age < 65 else Decimal(0),
        pension_monthly=Decimal(rng.choice([450, 700, 950])) if age >= 65 else Decimal(0),
        disability_rate=80 if 0.15 <= kind < 0.22 else None,
        gir=rng.choice([None, 2, 3, 4]) if age >= 65 else None,
    )
    rows = [first]
    if rng.random() < 0.4:
        rows.append(
            SituationMember(
                situation_id=situation_id,
                position=1,
                role="conjoint",
                birth_date=datetime.date(today.year - age + 2, 6, 1),
                salary_monthly=Decimal(rng.choice([0, 800, 1300])) if age < 65 else Decimal(0),
            )
        )
    for child in range(rng.choice([0, 0, 1, 2, 3]) if age < 60 else 0):
        rows.append(
            SituationMember(
                situation_id=situation_id,
                position=len(rows),
                role="enfant",
                birth_date=datetime.date(today.year - 2 - child * 3, 3, 1),
            )
        )
    return rows


def load(user: User, team: Team, count: int, others: int) -> None:
    """``count`` consenting households followed by ``team``; ``others`` files elsewhere with non-recours rows."""
    if SocialFile.objects.count() >= count:
        print(f"{SocialFile.objects.count():,} files already in grc_bench_nonrecours")
        return
    rng = random.Random(21)  # noqa: S311 -- reproducible bench data
    today = timezone.localdate()
    citizens = Citizen.objects.bulk_create(
        (Citizen(birth_name=f"Bench{i:06d}", first_names="Camille", birth_date=datetime.date(1980, 1, 1 + i % 28))
         for i in range(count + others)),
        batch_size=5000,
    )  # fmt: skip
    files = SocialFile.objects.bulk_create((SocialFile(citizen=c) for c in citizens), batch_size=5000)
    mine = files[:count]
    Accompaniment.objects.bulk_create(
        Accompaniment(file=f, programme="aide_financiere", team=team, start_date=today) for f in mine
    )
    group, permission = file_services.team_group(team=team), file_services.access._view_permission()
    SocialFileGroupObjectPermission.objects.bulk_create(
        SocialFileGroupObjectPermission(group=group, permission=permission, content_object=f) for f in mine
    )
    EstimateConsent.objects.bulk_create(
        EstimateConsent(citizen_id=f.citizen_id, method="oral", recorded_by=user) for f in mine
    )
    situations = RecordedSituation.objects.bulk_create(
        RecordedSituation(
            citizen_id=f.citizen_id,
            housing_status=rng.choice(["locataire", "locataire", "proprietaire", "heberge_gratuit"]),
            rent_monthly=Decimal(rng.choice([350, 480, 620, 750])),
            commune_id=rng.choice(COMMUNES),
            updated_by=user,
        )
        for f in mine
    )
    SituationMember.objects.bulk_create((m for s in situations for m in _members(rng, s.pk)), batch_size=5000)
    print(f"loaded {count:,} consenting households for {team}, {others:,} files with non-recours elsewhere")


def ensure_elsewhere_rows(team: Team) -> int:
    """Possible non-recours of the files other teams follow (what the list must filter out). Written after the
    batch, which rightly removes rows of people outside its input (here: no consent, no situation)."""
    rng = random.Random(22)  # noqa: S311 -- reproducible bench data
    period = timezone.localdate().strftime("%Y-%m")
    elsewhere = SocialFile.objects.exclude(accompaniments__team=team).exclude(
        pk__in=NonRecours.objects.values("file_id")
    )
    rows = NonRecours.objects.bulk_create(
        (NonRecours(citizen_id=f.citizen_id, file_id=f.pk, benefit=rng.choice(BENEFITS), period=period,
                    monthly_amount=Decimal(rng.randrange(20, 900)), commune_id=rng.choice(COMMUNES))
         for f in elsewhere.only("pk", "citizen_id").iterator()),
        batch_size=5000,
    )  # fmt: skip
    return len(rows)


def measure_engine_only() -> tuple[float, int]:
    """Baseline of the batch: the same households' engine situations, built from memory, through
    ``estimate_many`` alone (no read, no rules, no write), in the same chunks."""
    situations = list(RecordedSituation.objects.order_by("citizen_id"))
    members: dict[int, list] = {}
    for member in SituationMember.objects.order_by("situation_id", "position", "pk"):
        members.setdefault(member.situation_id, []).append(member)
    inputs = [engine_situation(s, members.get(s.pk, [])) for s in situations]
    inputs = [i for i in inputs if not i.errors()]
    started = time.perf_counter()
    for start in range(0, len(inputs), batch.CHUNK_SIZE):
        estimate_many(situations=inputs[start : start + batch.CHUNK_SIZE])
    return time.perf_counter() - started, len(inputs)


def measure_page(client, url: str, params: dict, n: int) -> tuple[list[float], int]:
    def get(i):
        response = client.get(url, {**params, "page": 1 + i % 3})
        assert response.status_code == 200, response.status_code

    get(0)
    settings.DEBUG = True
    reset_queries()
    get(0)
    queries = len(connection.queries)
    settings.DEBUG = False
    return timed(get, n), queries


def measure_batch(count: int) -> tuple[float, int, int]:
    started = time.perf_counter()
    run = batch.non_recours_rebuild()
    seconds = time.perf_counter() - started
    assert run.status == "done", run.error
    return seconds, run.households_done, run.rows_written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=3_000)
    parser.add_argument("--other-files", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=100, help="timed page loads per variant")
    parser.add_argument("--skip-batch", action="store_true", help="keep the rows of a previous run")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    user, team = ensure_organisation()
    with transaction.atomic():
        load(user, team, args.files, args.other_files)
    load_started = time.perf_counter()
    info = warm_up()
    print(f"engine loaded in {time.perf_counter() - load_started:.1f} s ({info.get('engine', '')})")
    if not args.skip_batch:
        seconds, households, rows = measure_batch(args.files)
        print(
            f"batch: {households:,} households read, estimated and written in {seconds:.1f} s = "
            f"{households / seconds:.0f} households/s (target 50), {rows:,} possible non-recours"
        )
        engine_s, engine_n = measure_engine_only()
        print(
            f"baseline: estimate_many alone on the same {engine_n:,} households: {engine_s:.1f} s = "
            f"{engine_n / engine_s:.0f} households/s; the batch's read + rules + write cost "
            f"{(seconds - engine_s) / seconds:.0%} of its time (ratio batch/engine {seconds / engine_s:.2f}x)"
        )
    added = ensure_elsewhere_rows(team)
    if added:
        print(f"{added:,} non-recours rows written for files of other teams")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    client = verified_client(user)
    listed = NonRecours.objects.filter(file__in=SocialFile.objects.filter(accompaniments__team=team)).count()
    print(
        f"machine: {os.cpu_count()} CPU, load {os.getloadavg()[0]:.1f}; {BENCH_USER}: {args.files:,} files, "
        f"{listed:,} non-recours rows visible of {NonRecours.objects.count():,}"
    )
    url = reverse("backoffice:droits_non_recours")
    all_samples, all_queries = measure_page(client, url, {}, args.requests)
    rsa_samples, rsa_queries = measure_page(client, url, {"prestation": "rsa", "commune": "35238"}, args.requests)
    base_samples, base_queries = measure_page(client, reverse("backoffice:caseload"), {}, args.requests)
    all95 = describe(f"non-recours, all ({all_queries} queries)", all_samples)
    rsa95 = describe(f"non-recours, RSA in Rennes ({rsa_queries} queries)", rsa_samples)
    base95 = describe(f"baseline: Mes dossiers ({base_queries} queries)", base_samples)
    print(
        f"non-recours p95 {all95:.1f} ms / filtered {rsa95:.1f} ms (target 200 ms); "
        f"ratio to Mes dossiers p95 {all95 / base95:.2f}x / {rsa95 / base95:.2f}x"
    )


if __name__ == "__main__":
    main()
