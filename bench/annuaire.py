"""The annuaire social at the issue-16 volume (a benchmark, not a test): 3,500 structures × about 4 services.

Runs against its own database (``grc_bench`` on the embedded server, shared with the other benches), where it
seeds the demo annuaire (``demo.seeders.annuaire``) unless already there. Then measures:

- **search** by thématique (a category or a sub-theme) around a commune within a radius (10, 20 or 40 km),
  through ``annuaire.selectors.services_search`` (the bounding-box pre-filter on the indexed lat/lon, then the
  exact distance) — target p95 ≤ 50 ms; and the same search through the public API over the whole HTTP stack
  with the cache emptied before each call (cold: what the first visitor of a new search waits for);
- **baseline** in the same run: fetching the same services by primary key (no filter, no distance): the ratio
  says what the search's filtering and ordering cost, whatever the machine;
- **export** of the whole directory as data·inclusion JSON and CSV (structures + services) — target ≤ 5 s and
  100 % of the items valid for the official ``data-inclusion-schema`` models (every item validated, counted);
  its baseline: reading every row of both tables (``values_list``), no conversion.

    .venv/bin/python bench/annuaire.py                      # 300 searches
    .venv/bin/python bench/annuaire.py --searches 100 --reseed   # after a change of the demo seeder
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["EMBEDDED_DATABASE_NAME"] = "grc_bench"
os.environ.setdefault("GRC_DATABASE_ROLE", "owner")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

import pydantic  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from annuaire import export, schema  # noqa: E402
from annuaire.models import Service, Structure  # noqa: E402
from annuaire.selectors import services_search  # noqa: E402
from bench.common import describe, timed  # noqa: E402
from demo import accounts  # noqa: E402
from demo.records import Counts  # noqa: E402
from demo.seeders import annuaire as demo_annuaire  # noqa: E402
from grc.models import Commune  # noqa: E402

SEARCH_TARGET_P95_MS = 50.0
EXPORT_TARGET_S = 5.0
RADII = (10, 20, 40)


def ensure_annuaire(reseed: bool) -> None:
    if reseed:  # after a change of the demo seeder: its structures (their services cascade) and their history
        Service.history.filter(di_id__startswith=demo_annuaire.PREFIX).delete()
        Structure.history.filter(di_id__startswith=demo_annuaire.PREFIX).delete()
        Structure.objects.filter(di_id__startswith=demo_annuaire.PREFIX).delete()
    if Structure.objects.filter(di_id__startswith=demo_annuaire.PREFIX).exists():
        print(f"{Structure.objects.count():,} structures, {Service.objects.count():,} services already in grc_bench")
        return
    started = time.perf_counter()
    demo_annuaire.seed(actor=accounts.system_account(), counts=Counts())
    print(f"Seeded {Structure.objects.count():,} structures, {Service.objects.count():,} services "
          f"in {time.perf_counter() - started:.1f} s")  # fmt: skip


def queries(n: int) -> list[dict]:
    rng = random.Random(16)  # noqa: S311 -- reproducible inputs, not a secret
    communes = list(Commune.objects.exclude(latitude=None).order_by("code"))
    themes = [t.value for t in schema.Thematique] + [c.value for c in schema.Categorie]
    return [{"thematiques": [rng.choice(themes)], "origin": rng.choice(communes), "radius_km": rng.choice(RADII)}
            for _ in range(n)]  # fmt: skip


def bench_search(n: int) -> None:
    params = queries(n)
    found = [[hit.service.pk for hit in services_search(**p)] for p in params]
    print(f"\nSearch by thématique + commune radius ({Service.objects.count():,} services; "
          f"{sum(map(len, found)) / n:.0f} results on average)")  # fmt: skip
    # Interleaved, one baseline call then one search per input: on a shared machine a burst of load hits both
    # series alike, so their ratio holds even when the absolute p95 does not.
    base_samples, search_samples = [], []
    for i in range(n):
        base_samples += timed(
            lambda _j, i=i: list(Service.objects.select_related("structure", "commune").filter(pk__in=found[i])), 1
        )
        search_samples += timed(lambda _j, i=i: services_search(**params[i]), 1)
    base = describe("baseline: the same services fetched by id", base_samples)
    search = describe("services_search (box pre-filter + exact distance)", search_samples)
    client = Client()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]

    def http(i):
        cache.clear()
        p = params[i]
        response = client.get("/api/v1/annuaire/search/services", {
            "code_commune": p["origin"].code, "rayon_km": p["radius_km"], "thematiques": p["thematiques"][0],
            "size": 1000})  # fmt: skip
        assert response.status_code == 200, response.status_code

    api = describe("GET /api/v1/annuaire/search/services (cold cache)", timed(http, n))
    print(f"  ratio search / fetch by id: {search / base:.1f}×   API / fetch by id: {api / base:.1f}×")
    verdict = "OK" if search <= SEARCH_TARGET_P95_MS else "OVER TARGET"
    print(f"  target p95 ≤ {SEARCH_TARGET_P95_MS:.0f} ms (search): {verdict}")


def bench_export() -> None:
    print("\nExport of the whole directory (data·inclusion v1)")
    started = time.perf_counter()
    list(Structure.objects.values_list())
    list(Service.objects.values_list())
    baseline = time.perf_counter() - started
    started = time.perf_counter()
    documents = {kind: "".join(export.export_json(kind)) for kind in export.KINDS}
    json_seconds = time.perf_counter() - started
    started = time.perf_counter()
    sizes = {kind: len("".join(export.export_csv(kind))) for kind in export.KINDS}
    csv_seconds = time.perf_counter() - started
    valid = invalid = 0
    for kind, model in (("structures", schema.DiStructure), ("services", schema.DiService)):
        for item in json.loads(documents[kind]):
            try:
                model.model_validate(item)
                valid += 1
            except pydantic.ValidationError:
                invalid += 1
    total = valid + invalid
    print(f"  baseline: read every row of both tables          {baseline:6.2f} s")
    print(f"  JSON (structures + services, {sum(map(len, documents.values())) / 1e6:.1f} MB)         "
          f"{json_seconds:6.2f} s   ratio {json_seconds / baseline:.1f}×")  # fmt: skip
    print(f"  CSV (structures + services, {sum(sizes.values()) / 1e6:.1f} MB)          "
          f"{csv_seconds:6.2f} s   ratio {csv_seconds / baseline:.1f}×")  # fmt: skip
    print(f"  valid for the official models: {valid:,} / {total:,} ({100 * valid / total:.1f} %)")
    verdict = "OK" if max(json_seconds, csv_seconds) <= EXPORT_TARGET_S and not invalid else "OVER TARGET"
    print(f"  target ≤ {EXPORT_TARGET_S:.0f} s and 100 % valid: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--searches", type=int, default=300)
    parser.add_argument("--reseed", action="store_true", help="drop and seed the demo annuaire again")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    ensure_annuaire(args.reseed)
    bench_export()
    bench_search(args.searches)


if __name__ == "__main__":
    main()
