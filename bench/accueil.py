"""Recording a digital-help session at the issue-17 volume: p95 ≤ 100 ms (a benchmark, not a test).

Runs against its own database (``grc_bench`` on the embedded server, shared with the other benches: it
already holds the citizens of ``bench/identity.py``; ``bench/observatoire.py`` cites this bench for the
help-session figure). Loads, unless already there:

- the demo organisation (pilot CDAS, inclusion networks) and demo staff (``ts.vitre`` at CDAS Vitré);
- ``--sessions`` help sessions (200,000), spread over the pilot CDAS and the last two years, one in four
  linked to an existing citizen, generated in SQL (``INSERT … SELECT … generate_series``; no history rows:
  reads and the observatory's refresh never touch them, the service writes them in real use).

Then times, as ``ts.vitre``:

- ``help_session_record`` (the service: permission check, validation, the row and its history row, and
  for a linked session the timeline entry), half anonymous, half linked to a citizen of the sector;
- the whole quick form POST through ``django.test.Client`` (2FA-verified session, every middleware, the
  redirect) — what the agent waits for;
- the baseline, in the same run: a bare ``INSERT`` of the same row (``HelpSession.objects.create``: no
  permission, no history, no timeline). The ratio says what the service's rules cost, whatever the machine.

    .venv/bin/python bench/accueil.py                       # 200,000 sessions, 300 recordings each way
    .venv/bin/python bench/accueil.py --sessions 20000 --records 100
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Forced, not defaulted: the bench must never load hundreds of thousands of rows into the dev database.
os.environ["EMBEDDED_DATABASE_NAME"] = "grc_bench"
os.environ.setdefault("GRC_DATABASE_ROLE", "owner")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.urls import reverse  # noqa: E402

from accueil.models import HelpSession  # noqa: E402
from accueil.services import help_session_record  # noqa: E402
from bench.common import describe, timed, verified_client  # noqa: E402
from demo import accounts, data, organisation  # noqa: E402
from demo.records import Counts  # noqa: E402
from grc.models import Citizen, Commune, Site, User  # noqa: E402

BENCH_USER = f"ts.vitre@{data.DEMO_EMAIL_DOMAIN}"
BENCH_SITE = "CDAS Vitré"
TARGET_P95_MS = 100.0

LOAD_SQL = """
INSERT INTO accueil_helpsession (held_at, agent_id, site_id, place_kind, level, procedures, outcome, orientation,
                                 citizen_id, consent_recorded_at, commune_id, duration_minutes, created_at)
SELECT now() - (random() * interval '730 days'),
       %(agent)s,
       (%(sites)s::bigint[])[1 + (g %% cardinality(%(sites)s::bigint[]))],
       (ARRAY['guichet','entretien','permanence','espace_numerique'])[1 + (g %% 4)],
       lvl,
       CASE WHEN g %% 3 = 0 THEN ARRAY['caf','ameli']::varchar(20)[] ELSE ARRAY['ants']::varchar(20)[] END,
       (ARRAY['abouti','en_cours','oriente','non_abouti'])[1 + (g %% 4)],
       '',
       CASE WHEN g %% 4 = 0 THEN (%(citizens)s::bigint[])[1 + (g %% cardinality(%(citizens)s::bigint[]))] END,
       CASE WHEN lvl = 'substitution' THEN now() END,
       (%(communes)s::varchar[])[1 + (g %% cardinality(%(communes)s::varchar[]))],
       1 + (g %% 60),
       now()
FROM (SELECT g, (ARRAY['coup_de_pouce','accompagnement','faire_avec','substitution'])[1 + (g %% 4)] AS lvl
      FROM generate_series(1, %(count)s) g) s
"""


def ensure_organisation() -> tuple[User, Site]:
    counts = Counts()
    actor = accounts.system_account()
    organisation.seed_organisation(actor=actor, counts=counts)
    if not User.objects.filter(email=BENCH_USER).exists():
        accounts.seed_staff(actor=actor, password=data.DEFAULT_PASSWORD, counts=counts)
    return User.objects.get(email=BENCH_USER), Site.objects.get(name=BENCH_SITE)


def load_sessions(count: int, agent: User) -> float:
    """Generate sessions in SQL up to ``count``; returns seconds."""
    existing = HelpSession.objects.count()
    if existing >= count:
        print(f"{existing:,} help sessions already in grc_bench")
        return 0.0
    sites = list(Site.objects.filter(is_numerique_pilot=True).values_list("pk", flat=True))
    citizens = list(Citizen.objects.order_by("pk").values_list("pk", flat=True)[:50_000]) or [None]
    communes = list(Commune.objects.values_list("code", flat=True))
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            LOAD_SQL,
            {"agent": agent.pk, "sites": sites, "citizens": citizens, "communes": communes, "count": count - existing},
        )
        cursor.execute("ANALYZE accueil_helpsession")
    seconds = time.perf_counter() - started
    print(f"Loaded {count - existing:,} help sessions in {seconds:.1f} s")
    return seconds


def run(args) -> None:
    call_command("migrate", verbosity=0)
    agent, site = ensure_organisation()
    load_sessions(args.sessions, agent)
    citizens = list(Citizen.objects.filter(status=Citizen.Status.ACTIVE).order_by("pk")[: args.records])
    fields = {"place_kind": "guichet", "level": "accompagnement", "procedures": ["caf"], "outcome": "abouti"}

    def service(i):
        citizen = citizens[i % len(citizens)] if citizens and i % 2 else None
        help_session_record(actor=agent, site=site, citizen=citizen, duration_minutes=10, **fields)

    def bare(i):
        HelpSession.objects.create(agent=agent, site=site, duration_minutes=10, **fields)

    client = verified_client(agent)
    url = reverse("backoffice:help_session_record", args=[site.pk])

    def http(i):
        response = client.post(url, {"action": "record", **fields, "duration_minutes": "10"})
        assert response.status_code == 302, response.status_code

    print(f"\nRecording a help session ({HelpSession.objects.count():,} sessions in the table)")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    base = describe("baseline: bare INSERT (no rules, no history)", timed(bare, args.records))
    rec = describe("help_session_record (half linked: + timeline)", timed(service, args.records))
    page = describe("quick form POST (HTTP stack, 2FA session)", timed(http, args.records))
    print(f"  ratio service / bare insert: {rec / base:.1f}×   form POST / bare insert: {page / base:.1f}×")
    verdict = "OK" if max(rec, page) <= TARGET_P95_MS else "OVER TARGET"
    print(f"  target p95 ≤ {TARGET_P95_MS:.0f} ms: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=200_000)
    parser.add_argument("--records", type=int, default=300)
    run(parser.parse_args())


if __name__ == "__main__":
    main()
