"""The map of the lieux de médiation numérique at the issue-16 volume (450 lieux): the map's data ≤ 200 KB on the
wire and ≤ 100 ms server time (a benchmark, not a test).

Runs against its own database (``grc_bench`` on the embedded server, shared with the other benches) and loads the
450 demo lieux there unless present (``demo/seeders/lieux.py``). Then, through ``django.test.Client`` (every
middleware, as a browser's request would go):

- ``GET /api/v1/lieux`` cold (the cache emptied before each call: the query, the GeoJSON, the gzip), the first
  call after a place is saved (the key moved on: what the first visitor after a publication waits for) and warm
  (the cached answer: one query for the table's version), and one filtered by commune and a 20 km radius, cold;
- the two boundary layers a map may draw (EPCI by default, communes), cold and warm;
- the bytes on the wire (gzip, what the browser downloads) and uncompressed, for each answer, and for what the
  ``/lieux/`` page fetches (the places and the EPCI boundaries);
- the ``/lieux/`` page itself (the list of 50 and the form);
- the baseline, in the same run: the bare query of the same places and ``json.dumps`` of the same features
  without middleware, filters, cache or gzip. The ratio says what the API's layers cost, whatever the machine.

    .venv/bin/python bench/lieux.py              # 200 calls each
    .venv/bin/python bench/lieux.py --calls 50
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Forced, not defaulted: the bench never writes into the dev database.
os.environ["EMBEDDED_DATABASE_NAME"] = "grc_bench"
os.environ.setdefault("GRC_DATABASE_ROLE", "owner")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from bench.common import describe, timed  # noqa: E402
from demo import accounts  # noqa: E402
from demo.records import Counts  # noqa: E402
from demo.seeders import lieux as lieux_seeder  # noqa: E402
from mednum.geo import lieu_feature  # noqa: E402
from mednum.models import Lieu  # noqa: E402

TARGET_BYTES = 200_000
TARGET_MS = 100.0


def _load() -> None:
    call_command("migrate", verbosity=0)
    counts = Counts()
    lieux_seeder.seed(actor=accounts.system_account(), counts=counts)
    print(
        f"lieux: {Lieu.objects.filter(published=True).count()} published ({counts.created[lieux_seeder.LABEL]} added)"
    )


def _get(client: Client, url: str, *, cold: bool):
    if cold:
        cache.clear()
    response = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200, (url, response.status_code)
    return response


def _sizes(client: Client, url: str) -> tuple[int, int]:
    response = _get(client, url, cold=True)
    wire = len(response.content)
    raw = len(gzip.decompress(response.content)) if response.get("Content-Encoding") == "gzip" else wire
    return wire, raw


def _baseline(_i: int) -> bytes:
    lieux = Lieu.objects.filter(published=True).select_related("commune").defer("commune__boundary")
    return json.dumps({"type": "FeatureCollection", "features": [lieu_feature(lieu) for lieu in lieux]}).encode()


def _after_change(client: Client, url: str, n: int) -> list[float]:
    """Milliseconds of the first ``GET`` after a place is saved (its feature rewritten, the cache key moved on):
    what the first visitor after a publication waits for. The save itself is not timed."""
    lieu = Lieu.objects.filter(published=True).order_by("pk").first()
    samples = []
    for _i in range(n):
        lieu.save(update_fields=["presentation_resume"])
        started = time.perf_counter()
        _get(client, url, cold=False)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    _load()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]  # django.test.Client's host
    client = Client()
    n = args.calls
    urls = {
        "lieux": "/api/v1/lieux",
        "lieux, Rennes + 20 km": "/api/v1/lieux?commune=35238&rayon=20",
        "EPCI boundaries": "/api/v1/territoire/epci.geojson",
        "commune boundaries": "/api/v1/territoire/communes.geojson",
    }
    print("\nBytes (gzip on the wire / uncompressed):")
    sizes = {}
    for label, url in urls.items():
        sizes[label] = _sizes(client, url)
        print(f"  {label:<30} {sizes[label][0]:>9,} B / {sizes[label][1]:>9,} B")
    page_bytes = sizes["lieux"][0] + sizes["EPCI boundaries"][0]
    print(
        f"  {'the /lieux/ map fetches':<30} {page_bytes:>9,} B  (target ≤ {TARGET_BYTES:,} B: "
        f"{'met' if page_bytes <= TARGET_BYTES else 'NOT met'})"
    )

    print(f"\nServer time through every middleware ({n} calls each):")
    base = describe("baseline: bare query + json.dumps, no gzip", timed(_baseline, n))
    cold = describe(
        "GET /api/v1/lieux, cold (cache emptied)", timed(lambda i: _get(client, urls["lieux"], cold=True), n)
    )
    warm = describe("GET /api/v1/lieux, warm", timed(lambda i: _get(client, urls["lieux"], cold=False), n))
    changed = describe("GET /api/v1/lieux, first call after a place is saved", _after_change(client, urls["lieux"], n))
    describe(
        "GET lieux Rennes + 20 km, cold", timed(lambda i: _get(client, urls["lieux, Rennes + 20 km"], cold=True), n)
    )
    describe(
        "GET EPCI boundaries, cold", timed(lambda i: _get(client, urls["EPCI boundaries"], cold=True), max(n // 10, 5))
    )
    describe("GET EPCI boundaries, warm", timed(lambda i: _get(client, urls["EPCI boundaries"], cold=False), n))
    describe("GET commune boundaries, warm", timed(lambda i: _get(client, urls["commune boundaries"], cold=False), n))
    describe(
        "GET /lieux/ (page: list of 50, form)", timed(lambda i: _get(client, "/lieux/", cold=False), max(n // 4, 5))
    )
    print(
        f"\n  p95 ratios to the baseline: cold {cold / base:.2f}, after a change {changed / base:.2f}, "
        f"warm {warm / base:.2f}"
    )
    print(
        f"  target p95 ≤ {TARGET_MS:.0f} ms: cold {'met' if cold <= TARGET_MS else 'NOT met'}, after a change "
        f"{'met' if changed <= TARGET_MS else 'NOT met'}, warm {'met' if warm <= TARGET_MS else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
