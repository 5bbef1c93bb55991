"""Rights estimates with OpenFisca France (issue 21): load, one household warm, the batch (a benchmark, not a test).

No database: the engine is pure computation. Prints, with the machine and its load average:

- **load**: ``FranceTaxBenefitSystem()`` built in a fresh subprocess (time, RSS before/after), so nothing of
  this process's imports is counted or shared;
- **one household, warm**: ``estimate()`` (all benefits in one simulation) over ``--households`` (60) varied
  households, p50/p95; baseline in the same run, the issue's way: a new SimulationBuilder and simulation per
  benefit for the same household and the same input (``--baseline`` households, 15), p50/p95 and the ratio;
- **batch**: ``estimate_many()`` on ``--batch`` (3,000) households in one vectorised simulation, households/s
  and peak RSS; against the same households one by one (``--one-by-one``, 100 of them, timed: the rate is
  extrapolated, 3,000 one by one would take tens of minutes), as a throughput ratio.

    .venv/bin/python bench/rights.py
    .venv/bin/python bench/rights.py --households 30 --baseline 5 --batch 500 --one-by-one 20
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import threading
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy  # noqa: E402
import psutil  # noqa: E402
from openfisca_core.simulation_builder import SimulationBuilder  # noqa: E402

from droits.engine import Housing, Member, Situation, engine_info, estimate, estimate_many, warm_up  # noqa: E402
from droits.engine.compute import FAMILLE_VARIABLES, INDIVIDU_VARIABLES  # noqa: E402
from droits.engine.mapping import build_input  # noqa: E402
from droits.engine.runtime import get_tax_benefit_system  # noqa: E402

PERIOD = "2025-06"
COMMUNES = ("35238", "35047", "35288", "35001", "35115", "35360", "")  # Rennes, Bruz, Saint-Malo, Acigné…
LOAD_SCRIPT = """
import json, time, psutil
process = psutil.Process()
before = process.memory_info().rss
started = time.perf_counter()
from droits.engine.runtime import get_tax_benefit_system
get_tax_benefit_system()
print(json.dumps({"seconds": time.perf_counter() - started, "rss_before": before,
                  "rss_after": process.memory_info().rss}))
"""


def household(rng: random.Random) -> Situation:
    """A plausible household of the Département: ages, resources, children, housing vary."""
    d = Decimal
    adult_year = rng.randint(1938, 2003)
    members = [
        Member(
            "demandeur",
            date(adult_year, rng.randint(1, 12), rng.randint(1, 28)),
            salary_monthly=d(rng.choice([0, 0, 0, 450, 720, 1100, 1450, 2100])),
            unemployment_monthly=d(rng.choice([0, 0, 0, 0, 900])),
            pension_monthly=d(rng.choice([0, 250, 700, 1300]) if adult_year < 1962 else 0),
            disability_rate=rng.choice([None] * 6 + [50, 80]),
            gir=rng.choice([None, None, 2, 4, 6]) if adult_year < 1960 else None,
        )
    ]
    if rng.random() < 0.4:
        members.append(
            Member(
                "conjoint", date(adult_year + rng.randint(-3, 3), 6, 1), salary_monthly=d(rng.choice([0, 900, 1600]))
            )
        )
    if adult_year > 1965:
        members += [
            Member("enfant", date(rng.randint(2007, 2024), rng.randint(1, 12), 1))
            for _ in range(rng.choice([0, 0, 1, 2, 3]))
        ]
    if rng.random() < 0.08:
        members.append(Member("autre", date(rng.randint(1950, 2004), 1, 1), salary_monthly=d(rng.choice([0, 800]))))
    status = rng.choice(["locataire", "locataire", "locataire", "proprietaire", "accedant", "heberge_gratuit"])
    rent = d(rng.choice([320, 450, 580, 720])) if status in ("locataire", "accedant") else d(0)
    return Situation(members=tuple(members), housing=Housing(status, rent, rng.choice(COMMUNES), rng.random() < 0.05))


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = statistics.quantiles(ordered, n=20)[18] if len(ordered) > 1 else ordered[0]
    return statistics.median(ordered), p95


def measure_load() -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-c", LOAD_SCRIPT]  # our own interpreter and script, no outside input
    out = subprocess.run(command, capture_output=True, text=True, env=env, check=True)  # noqa: S603
    return json.loads(out.stdout.strip().splitlines()[-1])


def per_benefit_baseline(situation: Situation) -> None:
    """The issue's way: for each benefit, a new SimulationBuilder and simulation of the same household."""
    tbs = get_tax_benefit_system()
    entities, _ = build_input([situation], PERIOD)
    for variable in (
        *FAMILLE_VARIABLES.values(),
        *INDIVIDU_VARIABLES.values(),
        "cmu_c",
        "css_participation_forfaitaire",
    ):
        simulation = SimulationBuilder().build_from_entities(tbs, json.loads(json.dumps(entities)))
        simulation.calculate(variable, PERIOD)


def timed(fn, items) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of fn(item) for each item (CPU: what a quiet machine would show)."""
    wall, cpu = [], []
    for item in items:
        started, started_cpu = time.perf_counter(), time.process_time()
        fn(item)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return wall, cpu


def peak_rss_during(fn):
    """Run fn() while sampling this process's RSS every 50 ms; returns (result, seconds, peak RSS bytes)."""
    process, peak, done = psutil.Process(), [psutil.Process().memory_info().rss], threading.Event()

    def sample():
        while not done.wait(0.05):
            peak[0] = max(peak[0], process.memory_info().rss)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    return result, seconds, max(peak[0], process.memory_info().rss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=60)
    parser.add_argument("--baseline", type=int, default=15)
    parser.add_argument("--batch", type=int, default=3000)
    parser.add_argument("--one-by-one", type=int, default=100)
    args = parser.parse_args()
    rng = random.Random(21)
    print(
        f"machine: {platform.node()} {os.cpu_count()} CPU, Python {platform.python_version()}, "
        f"numpy {numpy.__version__}"
    )
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)

    load = measure_load()
    print(
        f"\nload in a fresh process: {load['seconds']:.2f} s, RSS {load['rss_before'] / 1e6:.0f} → "
        f"{load['rss_after'] / 1e6:.0f} MB (+{(load['rss_after'] - load['rss_before']) / 1e6:.0f} MB)",
        flush=True,
    )

    warm_up()
    info = engine_info()
    print(f"this process: {info['engine']}, loaded in {info['load_seconds']:.2f} s (+{info['rss_delta_mb']} MB)")

    singles = [household(rng) for _ in range(args.households)]
    one, one_cpu = timed(lambda s: estimate(situation=s, period=PERIOD), singles)
    base, base_cpu = timed(per_benefit_baseline, singles[: args.baseline])
    (p50, p95), (b50, b95) = percentiles(one), percentiles(base)
    (c50, c95), (bc50, bc95) = percentiles(one_cpu), percentiles(base_cpu)
    print(
        f"\none household, all benefits, warm   p50 {p50:7.0f} ms   p95 {p95:7.0f} ms   "
        f"(n={len(one)}, target p95 ≤ 1000 ms)"
    )
    print(f"baseline: one simulation per benefit p50 {b50:7.0f} ms   p95 {b95:7.0f} ms   (n={len(base)})")
    print(f"  CPU time: ours p50 {c50:.0f} ms p95 {c95:.0f} ms; baseline p50 {bc50:.0f} ms p95 {bc95:.0f} ms")
    print(f"ratio (baseline / ours, p50): {b50 / p50:.1f}×", flush=True)

    batch = [household(rng) for _ in range(args.batch)]
    started_cpu = time.process_time()
    estimates, seconds, peak = peak_rss_during(lambda: estimate_many(situations=batch, period=PERIOD))
    batch_cpu = time.process_time() - started_cpu
    rate = len(estimates) / seconds
    sample = batch[: args.one_by_one]
    started, started_cpu = time.perf_counter(), time.process_time()
    alone = [estimate(situation=s, period=PERIOD) for s in sample]
    alone_rate = len(sample) / (time.perf_counter() - started)
    alone_cpu = time.process_time() - started_cpu
    same = sum(a == b for a, b in zip(alone, estimates, strict=False))
    print(
        f"\nestimate_many, {len(batch)} households: {seconds:.1f} s = {rate:.0f} households/s (target ≥ 50), "
        f"peak RSS {peak / 1e6:.0f} MB"
    )
    print(f"one by one, {len(sample)} of them: {alone_rate:.1f} households/s ({same}/{len(sample)} identical)")
    print(
        f"  CPU time: batch {batch_cpu:.1f} s = {len(batch) / batch_cpu:.0f} households per CPU-second; "
        f"one by one {len(sample) / alone_cpu:.1f} households per CPU-second"
    )
    print(f"ratio (batch / one by one, households/s): {rate / alone_rate:.1f}×")
    eligible = {}
    for result in estimates:
        for benefit in result.benefits:
            eligible[benefit.code] = eligible.get(benefit.code, 0) + benefit.eligible
    print("households with the benefit estimated:", ", ".join(f"{code} {n}" for code, n in eligible.items()))
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
