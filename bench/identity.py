"""Identity matching and the one citizen search at scale (a benchmark, not a test).

Runs against its own database so it never touches dev data — ``grc_bench_identity`` for the
``realistic`` population (the default: name frequencies fitted to French ones), ``grc_bench`` for the
``dense`` one (the first population, far more namesakes; other benches read their citizens there) —
migrates it, loads synthetic citizens up to ``--citizens`` (the COPY loader of
``bench/identity_population.py``), gives 1 % of them a double birth name, VACUUM ANALYZE, prints how
common the names are, then times on the same data, each timed loop ``--passes`` times (the machine is
shared: compare passes):

- ``grc.matching.candidates.match`` on perturbed identities of existing citizens (typo, accents, swapped
  day/month, one wrong digit, usage name, partial first names, typo with no birth date): how often the
  original comes first;
- ``grc.matching.search.search_citizens`` (the back office's and the API's search, on the engine
  ``grc.matching.find.citizen_find``) on a misspelled surname + first name, one family of errors at a
  time (typo, sound-alike spelling, missing or doubled letter, accents, particle glued or dropped, one
  part of a double name, birth name of a married woman, first name typed first): found in the top 10;
- two baselines on the same queries: a plain ``pg_trgm`` similarity scan (``search_name % q`` ordered by
  similarity, top 10) and the exact-surname lookup given the surname spelled right, every bearer
  ranked by first-name similarity (no LIMIT cut before the ranking).

    .venv/bin/python bench/identity.py --citizens 1000000 --queries 300 [--population dense]
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Forced, not defaulted: the bench must never load a million rows into the dev database. Each population has
# its own database: ``grc_bench`` (the dense one, which other benches read their citizens from) is never rebuilt.
POPULATION_DATABASES = {"insee": "grc_bench_identity_insee", "realistic": "grc_bench_identity", "dense": "grc_bench"}
_population = next(
    (a.split("=", 1)[1] for a in sys.argv if a.startswith("--population=")),
    sys.argv[sys.argv.index("--population") + 1] if "--population" in sys.argv[:-1] else "insee",
)
os.environ["EMBEDDED_DATABASE_NAME"] = POPULATION_DATABASES.get(_population, "grc_bench_identity_insee")
os.environ.setdefault("GRC_DATABASE_ROLE", "owner")  # the load drops/rebuilds indexes and triggers
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from bench.identity_population import (  # noqa: E402
    POPULATIONS,
    ensure_citizens,
    namesake_figures,
    plant_compound_names,
    population_figures,
)
from grc.matching.candidates import IdentityQuery, match  # noqa: E402
from grc.matching.find import citizen_find  # noqa: E402
from grc.matching.names import PARTICLES, fold, normalise_name  # noqa: E402
from grc.matching.search import search_citizens  # noqa: E402
from grc.models import Citizen  # noqa: E402

# --- perturbations -------------------------------------------------------------------------------

ACCENTS = {"E": "É", "A": "À", "C": "Ç", "I": "Ï", "O": "Ô", "U": "Ù"}
# French spellings that sound alike, written from a spelling handbook (not from grc.matching.phonetics).
SOUND_ALIKE = [
    ("EAU", "O"),
    ("AU", "O"),
    ("PH", "F"),
    ("Y", "I"),
    ("AI", "E"),
    ("EI", "AI"),
    ("QU", "K"),
    ("CK", "K"),
    ("K", "C"),
    ("TH", "T"),
    ("LL", "L"),
    ("NN", "N"),
    ("TT", "T"),
    ("SS", "S"),
    ("RR", "R"),
    ("AN", "EN"),
    ("EN", "AN"),
    ("IN", "AIN"),
    ("Z", "S"),
    ("OT", "AUD"),
    ("ET", "AI"),
    ("ER", "É"),
    ("ANT", "AND"),
]


def _typo(rng: random.Random, name: str) -> str:
    if len(name) < 4:
        return name
    i = rng.randrange(1, len(name) - 1)
    op = rng.choice(("sub", "swap", "drop"))
    if op == "sub":
        return name[:i] + rng.choice("AEIOUDTNRSL") + name[i + 1 :]
    if op == "swap":
        return name[: i - 1] + name[i] + name[i - 1] + name[i + 1 :]
    return name[:i] + name[i + 1 :]


def _sound_alike(rng: random.Random, name: str) -> str | None:
    rules = [(a, b) for a, b in SOUND_ALIKE if a in name[1:]]
    if not rules:
        return None
    a, b = rng.choice(rules)
    at = name.index(a, 1)
    return name[:at] + b + name[at + len(a) :]


def _one_digit(rng: random.Random, day: datetime.date) -> datetime.date:
    for _ in range(20):
        text = day.strftime("%d%m%Y")
        i = rng.choice((0, 1, 3, 6, 7))
        text = text[:i] + str(rng.randrange(10)) + text[i + 1 :]
        try:
            other = datetime.datetime.strptime(text, "%d%m%Y").date()  # noqa: DTZ007
        except ValueError:
            continue
        if other != day:
            return other
    return day


def perturb(rng: random.Random, citizen: Citizen):
    """An identity the way an agent or a letter might give it: one or two realistic errors."""
    query = IdentityQuery.from_citizen(citizen)
    kind = rng.choice(("typo", "accents", "swap", "digit", "usage", "first", "typo+digit", "typo+nodate"))
    if kind == "typo+nodate":  # a letter giving a misspelled name and no birth date
        query.birth_name = _typo(rng, query.birth_name)
        query.birth_date = None
    if kind in ("typo", "typo+digit"):
        query.birth_name = _typo(rng, query.birth_name)
    if kind == "accents":
        query.birth_name = "".join(ACCENTS.get(c, c) for c in query.birth_name).lower()
    if kind == "swap" and query.birth_date and query.birth_date.day <= 12:
        query.birth_date = query.birth_date.replace(day=query.birth_date.month, month=query.birth_date.day)
    if kind in ("digit", "typo+digit") and query.birth_date:
        query.birth_date = _one_digit(rng, query.birth_date)
    if kind == "usage" and citizen.usage_name:
        query.birth_name = ""
    if kind == "first":
        query.first_names = query.first_names.split(",")[0].split("-")[0]
    query.address = query.postcode = query.city = ""
    query.nir = ""
    return kind, query


SEARCH_KINDS = ("typo", "phonetic", "missing", "doubled", "accents", "particle", "compound", "usage", "order")


def typed_search(rng: random.Random, kind: str, citizen: Citizen) -> tuple[str, str] | None:
    """What an agent types in the search box for ``citizen``, misspelled the ``kind`` way, and the family name
    meant (for counting homonyms); None when the kind does not apply to this person."""
    surname = fold(citizen.usage_name or citizen.birth_name)
    first = citizen.first_name.lower()
    inner = range(1, max(2, len(surname) - 1))
    if kind == "typo":
        return f"{_typo(rng, surname).lower()} {first}", surname
    if kind == "phonetic":
        heard = _sound_alike(rng, surname)
        return (f"{heard.lower()} {first}", surname) if heard else None
    if kind == "missing":
        i = rng.choice(inner)
        return f"{(surname[:i] + surname[i + 1 :]).lower()} {first}", surname
    if kind == "doubled":
        i = rng.choice(inner)
        return f"{(surname[: i + 1] + surname[i:]).lower()} {first}", surname
    if kind == "accents":
        return f"{''.join(ACCENTS.get(c, c) for c in surname).lower()} {first.upper()}", surname
    if kind == "particle":
        words = fold(citizen.birth_name).split()
        if len(words) < 2 or words[0] not in ("LE", "LA", "DE", "DU", "DA", "DOS", "DES"):
            return None
        glued = "".join(words) if rng.random() < 0.5 else " ".join(words[1:])
        return f"{glued.lower()} {first}", citizen.birth_name
    if kind == "compound":
        if "-" not in citizen.birth_name:
            return None
        parts = citizen.birth_name.split("-")
        with_second = rng.random() < 0.5  # drawn first: the queries after this one stay the same
        if fold(parts[0]) in PARTICLES:  # VAN-ASSCHE: "van" alone is a particle, not a part anyone types
            return None
        if with_second:
            return f"{parts[0].lower()} {_typo(rng, fold(parts[1])).lower()} {first}", citizen.birth_name
        return f"{parts[0].lower()} {first}", parts[0]
    if kind == "usage":
        if not citizen.usage_name:
            return None
        return f"{_typo(rng, fold(citizen.birth_name)).lower()} {first}", citizen.birth_name
    return f"{first} {_typo(rng, surname).lower()}", surname  # order: the first name typed first


def _pcts(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered), p95


def _timed(fn, items, passes: int) -> tuple[list, list[tuple[float, float]]]:
    """``fn`` on every item, ``passes`` times; the results of the last pass and (p50, p95) of each pass."""
    figures, results = [], []
    for _ in range(passes):
        times, results = [], []
        for item in items:
            started = time.perf_counter()
            results.append(fn(item))
            times.append((time.perf_counter() - started) * 1000)
        figures.append(_pcts(times))
    return results, figures


def _show(label: str, figures, found: int, n: int, extra: str = "") -> None:
    runs = "; ".join(f"p50 {a:6.1f} ms p95 {b:6.1f} ms" for a, b in figures)
    print(f"{label:34s} {runs}  found {found}/{n} ({found / max(n, 1):.1%}){extra}")


def bench_match(sample, rng, passes: int) -> None:
    queries = [(c, *perturb(rng, c)) for c in sample]
    for _, _, query in queries[:10]:  # warm-up: connection set-up and cold pages
        match(query)
    results, figures = _timed(lambda q: [c.citizen_id for c in match(q[2])], queries, passes)
    by_kind: dict[str, list[int]] = {}
    first = 0
    for (citizen, kind, _), ids in zip(queries, results, strict=True):
        first += bool(ids) and ids[0] == citizen.pk
        by_kind.setdefault(kind, [0, 0])
        by_kind[kind][0] += bool(ids) and ids[0] == citizen.pk
        by_kind[kind][1] += 1
    _show("match (ranked first)", figures, first, len(queries))
    print("   " + ", ".join(f"{k} {ok}/{n}" for k, (ok, n) in sorted(by_kind.items())))


def _homonyms(citizen: Citizen, name: str) -> int:
    """Other active citizens with the family name meant (as birth or usage name) and the same first given name."""
    first = fold(citizen.first_name)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM grc_citizen WHERE (norm_birth_name = %(n)s OR norm_usage_name = %(n)s) "
            "AND norm_first_names LIKE %(f)s AND split_part(norm_first_names, ' ', 1) = %(first)s "
            "AND status = 'active' AND id <> %(id)s",
            {"n": normalise_name(name), "f": first + "%", "first": first, "id": citizen.pk},
        )
        return cursor.fetchone()[0]


def _trigram_scan(text: str) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM grc_citizen WHERE search_name %% %(q)s AND status = 'active' "
            "ORDER BY similarity(search_name, %(q)s) DESC, id LIMIT 10",
            {"q": " ".join(w for w in fold(text).split() if w not in PARTICLES)},
        )
        return [pk for (pk,) in cursor.fetchall()]


def _exact_surname(citizen: Citizen, text: str) -> list[int]:
    # Its best case: the surname spelled right; every bearer ranked by first-name similarity (no LIMIT cut).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM grc_citizen WHERE (norm_birth_name = %(n)s OR norm_usage_name = %(n)s) "
            "AND status = 'active' ORDER BY similarity(norm_first_names, %(f)s) DESC, id LIMIT 10",
            {"n": normalise_name(citizen.usage_name or citizen.birth_name), "f": fold(citizen.first_name)},
        )
        return [pk for (pk,) in cursor.fetchall()]


def bench_search(pools: dict[str, list[Citizen]], rng, passes: int, baseline_queries: int) -> None:
    queries = []
    for kind in SEARCH_KINDS:
        for citizen in pools[kind]:
            if (typed := typed_search(rng, kind, citizen)) is not None:
                queries.append((kind, citizen, typed[0], _homonyms(citizen, typed[1])))
    for _, _, text, _ in queries[:10]:
        search_citizens(query=text)
    results, figures = _timed(lambda q: [h.citizen.pk for h in search_citizens(query=q[2])[:10]], queries, passes)
    _, engine_figures = _timed(lambda q: citizen_find(query=q[2], limit=10), queries, 1)
    found = [c.pk in ids for (_, c, _, _), ids in zip(queries, results, strict=True)]
    clear = [ok for ok, q in zip(found, queries, strict=True) if q[3] < 10]
    _show("search_citizens (top 10)", figures, sum(found), len(found))
    print(
        f"   without the {len(found) - len(clear)} queries whose person has ≥ 10 homonyms (same name meant and ",
        end="",
    )
    print("first given name): ", end="")
    print(f"{sum(clear)}/{len(clear)} ({sum(clear) / max(len(clear), 1):.1%})")
    print(
        "   "
        + ", ".join(
            f"{k} {sum(o for o, q in zip(found, queries, strict=True) if q[0] == k)}/"
            f"{sum(1 for q in queries if q[0] == k)}"
            for k in SEARCH_KINDS
        )
    )
    _show("citizen_find alone (engine)", engine_figures, sum(found), len(found))
    # The same people with the birth date typed too (the "and optionally birth date").
    dated, dated_figures = _timed(
        lambda q: [f.citizen_id for f in citizen_find(query=q[2], birth_date=q[1].birth_date, limit=10)], queries, 1
    )
    dated_found = [c.pk in ids for (_, c, _, _), ids in zip(queries, dated, strict=True)]
    _show("citizen_find, name + birth date", dated_figures, sum(dated_found), len(dated_found))
    _namesake_class(queries, found)
    _print_misses(queries, found)
    some = queries[:baseline_queries]
    scan, scan_figures = _timed(lambda q: _trigram_scan(q[2]), some, 1)
    _show(
        "baseline: pg_trgm similarity scan",
        scan_figures,
        sum(q[1].pk in ids for q, ids in zip(some, scan, strict=True)),
        len(some),
    )
    exact, exact_figures = _timed(lambda q: _exact_surname(q[1], q[2]), some, 1)
    _show(
        "baseline: exact surname (spelled right)",
        exact_figures,
        sum(q[1].pk in ids for q, ids in zip(some, exact, strict=True)),
        len(some),
    )
    (s50, s95), (t50, t95), (e50, e95) = figures[-1], scan_figures[0], exact_figures[0]
    print(
        f"ratios: trigram scan / engine p50 {t50 / s50:.1f}x p95 {t95 / s95:.1f}x; "
        f"exact surname / engine p50 {e50 / s50:.1f}x p95 {e95 / s95:.1f}x"
    )


def _communes(citizens) -> dict[int, str]:
    """INSEE code (or postcode) of each citizen's current address."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT citizen_id, COALESCE(NULLIF(insee_code, ''), postcode) FROM grc_address "
            "WHERE citizen_id = ANY(%s) AND end_date IS NULL",
            [[c.pk for c in citizens]],
        )
        return dict(cursor.fetchall())


def _namesake_class(queries, found: list[bool]) -> None:
    """Queries by how many namesakes their person has; for those with ten or more (no name alone can rank
    one of them first), what an agent adds: the birth year, the commune, the birth date."""
    classes = (("no namesake", 0, 0), ("1 to 9", 1, 9), (">= 10", 10, 10**9))
    print(
        "   by namesakes of the person: "
        + ", ".join(
            f"{label} {sum(ok for q, ok in zip(queries, found, strict=True) if lo <= q[3] <= hi)}/"
            f"{sum(1 for q in queries if lo <= q[3] <= hi)}"
            for label, lo, hi in classes
        )
    )
    crowd = [q for q in queries if q[3] >= 10]
    if not crowd:
        return
    communes = _communes([q[1] for q in crowd])
    helps = {
        "name only": lambda q: citizen_find(query=q[2], limit=10),
        "name + birth year": lambda q: citizen_find(query=q[2], birth_year=q[1].birth_date.year, limit=10),
        "name + commune": lambda q: citizen_find(query=q[2], commune=communes.get(q[1].pk), limit=10),
        "name + birth date": lambda q: citizen_find(query=q[2], birth_date=q[1].birth_date, limit=10),
    }
    for label, fn in helps.items():
        results, figures = _timed(lambda q, fn=fn: [f.citizen_id for f in fn(q)], crowd, 1)
        ok = sum(q[1].pk in ids for q, ids in zip(crowd, results, strict=True))
        _show(f"  >= 10 namesakes, {label}", figures, ok, len(crowd))


def _print_misses(queries, found: list[bool]) -> None:
    """The name-only misses, by family of error: what was typed, who was meant, their namesakes, their rank."""
    misses = [q for q, ok in zip(queries, found, strict=True) if not ok]
    print(f"   misses ({len(misses)}): family, typed, meant, namesakes, rank in the finder's first 200")
    for kind, citizen, text, homonyms in sorted(misses, key=lambda q: (q[0], q[3])):
        ranked = [f.citizen_id for f in citizen_find(query=text, limit=200)]
        rank = ranked.index(citizen.pk) + 1 if citizen.pk in ranked else "-"
        meant = f"{citizen.birth_name}/{citizen.usage_name or '-'} {citizen.first_names}"
        print(f"     {kind:9s} {text!r:42s} {meant:50s} {homonyms:4d} {rank}")


def _pools(rng, queries: int) -> dict[str, list[Citizen]]:
    """Citizens to look for, per search kind: random ones, or those the kind applies to."""
    per_kind = max(1, queries // len(SEARCH_KINDS))
    where = {
        "particle": "birth_name ~* '^(LE|LA|DE|DU|DA|DOS|DES) ' AND usage_name = ''",
        "compound": "birth_name LIKE '%%-%%' AND usage_name = ''",
        "usage": "usage_name <> ''",
    }
    pools = {}
    for kind in SEARCH_KINDS:
        condition = where.get(kind, "true")
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM grc_citizen TABLESAMPLE SYSTEM (2) REPEATABLE (%s) WHERE status = 'active' "  # noqa: S608
                f"AND {condition} LIMIT %s",
                [rng.randrange(10**6), per_kind * 3],
            )
            ids = [pk for (pk,) in cursor.fetchall()]
        rng.shuffle(ids)
        pools[kind] = list(Citizen.objects.filter(id__in=ids[: per_kind * 2]).order_by("id"))
        if kind == "phonetic":
            pools[kind] = [
                c for c in pools[kind] if _sound_alike(random.Random(c.pk), fold(c.usage_name or c.birth_name))
            ]
        pools[kind] = pools[kind][:per_kind]
    return pools


def run(args) -> None:
    citizens, queries, seed, passes = args.citizens, args.queries, args.seed, args.passes
    call_command("migrate", verbosity=0)
    ensure_citizens(citizens, args.loader, args.population)
    plant_compound_names()
    total = Citizen.objects.count()
    rng = random.Random(seed)
    with connection.cursor() as cursor:
        cursor.execute("SELECT MIN(id), MAX(id) FROM grc_citizen")
        lo, hi = cursor.fetchone()
    ids = rng.sample(range(lo, hi + 1), min(queries * 2, hi - lo + 1))
    sample = list(Citizen.objects.filter(id__in=ids, status="active").prefetch_related("addresses"))[:queries]
    print(
        f"machine: {os.cpu_count()} CPU, load {os.getloadavg()[0]:.1f}, PostgreSQL {connection.pg_version // 10000}, "
        f"N={total:,}"
    )
    population_figures()
    bench_match(sample, rng, passes)
    bench_search(_pools(rng, queries), rng, passes, args.baseline_queries)
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--citizens", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--baseline-queries", type=int, default=100, help="the baselines are slow: fewer samples")
    parser.add_argument("--passes", type=int, default=2, help="timed passes over the same queries (noisy machine)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--load-only", action="store_true")
    parser.add_argument(
        "--population",
        choices=sorted(POPULATIONS),
        default="insee",
        help="name frequencies of the synthetic citizens, each in its own database (see POPULATIONS)",
    )
    parser.add_argument(
        "--namesakes", action="store_true", help="only the namesakes each population gives at --citizens people"
    )
    parser.add_argument(
        "--loader",
        choices=("seed_demo", "copy"),
        default="copy",
        help="copy: this script's COPY loader, with the --population frequencies (seed_demo draws names uniformly)",
    )
    args = parser.parse_args()
    if args.namesakes:
        namesake_figures(sorted(POPULATIONS), args.citizens)
        return
    if args.load_only:
        call_command("migrate", verbosity=0)
        ensure_citizens(args.citizens, args.loader, args.population)
        plant_compound_names()
        return
    run(args)


if __name__ == "__main__":
    main()
