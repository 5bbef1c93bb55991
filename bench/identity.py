"""Identity matching and citizen search at scale (a benchmark, not a test).

Runs against its own database (``grc_bench`` on the embedded server) so it never touches dev
data: migrates it, loads synthetic citizens up to ``--citizens`` (``manage.py seed_demo`` when it
exists, else the COPY loader below), VACUUM ANALYZE, then times on the same data:

- ``grc.matching.candidates.match`` on perturbed identities of existing citizens (typo, accents, swapped
  day/month, one wrong digit, usage name, partial first names) and how often the original comes first;
- ``grc.matching.search_citizens`` free-text name search (misspelled surname + first name);
- a naive ``Citizen.objects.filter(birth_name__icontains=...)`` scan, the baseline (given the exact
  surname, its best case: it cannot find a misspelled one).

    .venv/bin/python bench/identity.py --citizens 1000000 --queries 300
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
# Forced, not defaulted: the bench must never load a million rows into the dev database.
os.environ["EMBEDDED_DATABASE_NAME"] = "grc_bench"
os.environ.setdefault("GRC_DATABASE_ROLE", "owner")  # the load drops/rebuilds indexes and triggers
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

from django.core.management import call_command, get_commands  # noqa: E402
from django.db import connection  # noqa: E402

from grc.matching.names import fold, normalised_fields  # noqa: E402
from grc.models import Citizen  # noqa: E402

SYLLABLES_START = [
    "KER",
    "LE ",
    "MOR",
    "GUI",
    "TAN",
    "BER",
    "ROU",
    "PEL",
    "CHA",
    "DU",
    "BO",
    "MA",
    "GAR",
    "LAN",
    "QUE",
]
SYLLABLES_MID = ["VA", "RI", "NO", "LE", "GO", "BA", "DA", "MI", "TE", "SA", "LOU", "HE", "RA", ""]
SYLLABLES_END = ["EC", "OU", "ARD", "IN", "ET", "OT", "IER", "AND", "EL", "ON", "AULT", "IC", "ERT", "OUX", "ENNE"]
BIRTH_PLACES = [
    ("Rennes", "35238"),
    ("Saint-Malo", "35288"),
    ("Fougères", "35115"),
    ("Vitré", "35360"),
    ("Redon", "35236"),
    ("Dinard", "35093"),
    ("Bruz", "35047"),
    ("Cesson-Sévigné", "35051"),
    ("Paris", "75056"),
    ("Nantes", "44109"),
    ("Brest", "29019"),
    ("Saint-Brieuc", "22278"),
    ("Vannes", "56260"),
    ("Laval", "53130"),
]
CITIES = [("35000", "Rennes"), ("35400", "Saint-Malo"), ("35300", "Fougères"), ("35500", "Vitré"), ("35600", "Redon")]


def _surnames(rng: random.Random) -> list[str]:
    from faker.providers.person.fr_FR import Provider

    names = list(dict.fromkeys(n.upper() for n in Provider.last_names))
    generated = [s + m + e for s in SYLLABLES_START for m in SYLLABLES_MID for e in SYLLABLES_END]
    generated += [
        s + m + m2 + e
        for s in SYLLABLES_START
        for m in SYLLABLES_MID
        for m2 in SYLLABLES_MID[:6]
        for e in SYLLABLES_END
    ]
    generated = sorted({g.strip() for g in generated} - set(names))
    rng.shuffle(generated)
    names += generated
    return names


def _zipf_weights(n: int, offset: int) -> list[float]:
    # Zipf-Mandelbrot: with offset 30 over 60,000 surnames the commonest is ~0.4 % of people,
    # like MARTIN in France; a plain Zipf would make it 7 % and every query a worst case.
    return [1 / (rank + offset) for rank in range(1, n + 1)]


def _nir(sex: str, birth: datetime.date, serial: int) -> str:
    body = f"{1 if sex == 'M' else 2}{birth.year % 100:02d}{birth.month:02d}35{serial % 1_000_000:06d}"
    return f"{body}{97 - int(body) % 97:02d}"


def load_citizens(count: int, *, start_serial: int, seed: int = 42) -> None:
    """COPY ``count`` synthetic Ille-et-Vilaine-like citizens (and a current address each)."""
    from faker.providers.person.fr_FR import Provider

    rng = random.Random(seed + start_serial)
    surnames = _surnames(rng)
    surname_weights = _zipf_weights(len(surnames), 30)
    male = list(Provider.first_names_male)
    female = list(Provider.first_names_female)
    male_w, female_w = _zipf_weights(len(male), 5), _zipf_weights(len(female), 5)
    start, span = datetime.date(1930, 1, 1).toordinal(), 95 * 365
    now = datetime.datetime.now(datetime.UTC).isoformat()
    chunk = 100_000
    with connection.cursor() as cursor:
        raw = cursor.connection
        done = 0
        while done < count:
            size = min(chunk, count - done)
            births = rng.choices(surnames, weights=surname_weights, k=size)
            usages = rng.choices(surnames, weights=surname_weights, k=size)
            buf = io.StringIO()
            for i in range(size):
                serial = start_serial + done + i
                sex = "F" if rng.random() < 0.51 else "M"
                pool, weights = (female, female_w) if sex == "F" else (male, male_w)
                firsts = rng.choices(pool, weights=weights, k=rng.choice((1, 1, 2, 2, 3)))
                if rng.random() < 0.12:
                    firsts[0] = ("Marie-" if sex == "F" else "Jean-") + firsts[0]
                first_names = ", ".join(dict.fromkeys(firsts))
                birth_date = datetime.date.fromordinal(start + rng.randrange(span))
                usage = usages[i] if sex == "F" and birth_date.year < 2000 and rng.random() < 0.45 else ""
                place, place_code = rng.choice(BIRTH_PLACES)
                nir = _nir(sex, birth_date, serial) if rng.random() < 0.3 else ""
                norm = normalised_fields(birth_name=births[i], usage_name=usage, first_names=first_names)
                row = (
                    births[i],
                    usage,
                    first_names,
                    birth_date.isoformat(),
                    place,
                    place_code,
                    "France",
                    sex,
                    nir,
                    "1",
                    "active",
                    now,
                    now,
                    norm["norm_birth_name"],
                    norm["norm_usage_name"],
                    norm["norm_first_names"],
                    norm["search_name"],
                    norm["search_phonetic"],
                )
                buf.write("\t".join(row) + "\n")
            cols = (
                "birth_name, usage_name, first_names, birth_date, birth_place, birth_place_code, birth_country, sex,"
                " nir, assurance_level, status, created_at, updated_at, norm_birth_name, norm_usage_name,"
                " norm_first_names, search_name, search_phonetic"
            )
            with raw.cursor() as cur:
                with cur.copy(f"COPY grc_citizen ({cols}) FROM STDIN") as copy:
                    copy.write(buf.getvalue())
            done += size
            print(f"  {done:,}/{count:,} citizens copied", flush=True)
        # One current address per citizen that has none yet.
        cursor.execute(
            """
            INSERT INTO grc_address (citizen_id, line1, line2, postcode, city, insee_code, country, start_date)
            SELECT c.id, (c.id %% 150 + 1) || ' rue ' || (ARRAY['de Nantes','Saint-Hélier','de Fougères',
                   'Jean Jaurès','de Brest'])[c.id %% 5 + 1], '',
                   (ARRAY[%s,%s,%s,%s,%s])[c.id %% 5 + 1], (ARRAY[%s,%s,%s,%s,%s])[c.id %% 5 + 1], '', 'France',
                   DATE '2020-01-01'
            FROM grc_citizen c
            WHERE NOT EXISTS (SELECT 1 FROM grc_address a WHERE a.citizen_id = c.id)
            """,
            [p for p, _ in CITIES] + [c for _, c in CITIES],
        )


def _drop_secondary_indexes(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.tablename = %s AND NOT EXISTS (
                SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
            """,
            [table],
        )
        rows = cursor.fetchall()
        for name, _ in rows:
            cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _, definition in rows]


def ensure_citizens(target: int, loader: str = "auto") -> None:
    existing = Citizen.objects.count()
    if existing >= target:
        print(f"{existing:,} citizens already in grc_bench")
        return
    started = time.perf_counter()
    if loader == "seed_demo" or (loader == "auto" and "seed_demo" in get_commands()):
        print(f"seed_demo --citizens {target - existing}")
        call_command("seed_demo", citizens=target - existing, no_progress=True)
    else:
        print(f"loading {target - existing:,} citizens with COPY")
        definitions = _drop_secondary_indexes("grc_citizen")
        with connection.cursor() as cursor:
            cursor.execute("SELECT COALESCE(MAX(id), 0) FROM grc_citizen")
            start_serial = cursor.fetchone()[0] + 1
        try:
            load_citizens(target - existing, start_serial=start_serial)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET maintenance_work_mem = '512MB'")
                for definition in definitions:
                    cursor.execute(definition)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE grc_citizen")
        cursor.execute("VACUUM ANALYZE grc_address")
    print(f"loaded in {time.perf_counter() - started:.0f} s")


# --- perturbations -------------------------------------------------------------------------------

ACCENTS = {"E": "É", "A": "À", "C": "Ç", "I": "Ï", "O": "Ô", "U": "Ù"}


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
    from grc.matching.candidates import IdentityQuery

    query = IdentityQuery.from_citizen(citizen)
    kind = rng.choice(("typo", "accents", "swap", "digit", "usage", "first", "typo+digit", "typo+nodate"))
    if kind == "typo+nodate":  # a letter giving a misspelled name and no birth date: the trigram tier
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


def _pcts(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered), p95


def run(citizens: int, queries: int, naive_queries: int, seed: int, loader: str) -> None:
    from grc.matching.candidates import match
    from grc.matching.search import search_citizens

    call_command("migrate", verbosity=0)
    ensure_citizens(citizens, loader)
    total = Citizen.objects.count()
    rng = random.Random(seed)
    with connection.cursor() as cursor:
        cursor.execute("SELECT MIN(id), MAX(id) FROM grc_citizen")
        lo, hi = cursor.fetchone()
    ids = rng.sample(range(lo, hi + 1), min(queries * 2, hi - lo + 1))
    sample = list(Citizen.objects.filter(id__in=ids, status="active").prefetch_related("addresses"))[:queries]

    # Warm-up: first queries pay for connection set-up and cold pages.
    for citizen in sample[:10]:
        match(perturb(rng, citizen)[1])

    match_times, found_first, found_any, by_kind = [], 0, 0, {}
    for citizen in sample:
        kind, query = perturb(rng, citizen)
        started = time.perf_counter()
        result = match(query)
        match_times.append((time.perf_counter() - started) * 1000)
        ids_found = [c.citizen_id for c in result]
        first = bool(ids_found) and ids_found[0] == citizen.pk
        found_first += first
        found_any += citizen.pk in ids_found
        ok, n = by_kind.get(kind, (0, 0))
        by_kind[kind] = (ok + (citizen.pk in ids_found), n + 1)

    search_times, search_found = [], 0
    for citizen in sample:
        surname = _typo(rng, fold(citizen.usage_name or citizen.birth_name)).lower()
        text = f"{surname} {citizen.first_name.lower()}"
        started = time.perf_counter()
        hits = search_citizens(query=text)
        search_times.append((time.perf_counter() - started) * 1000)
        search_found += citizen.pk in [h.citizen.pk for h in hits]

    naive_times, naive_found = [], 0
    for citizen in sample[:naive_queries]:
        # The naive search gets the name spelled right (its best case): with a typo it finds nobody.
        surname = citizen.birth_name
        started = time.perf_counter()
        rows = list(Citizen.objects.filter(birth_name__icontains=surname, status="active")[:25])
        naive_times.append((time.perf_counter() - started) * 1000)
        naive_found += citizen.pk in [r.pk for r in rows]

    m50, m95 = _pcts(match_times)
    s50, s95 = _pcts(search_times)
    n50, n95 = _pcts(naive_times)
    print()
    print(f"machine: {os.cpu_count()} CPU, PostgreSQL embedded ({connection.pg_version // 10000}), N={total:,}")
    print(f"match            n={len(match_times):4d}  p50={m50:7.1f} ms  p95={m95:7.1f} ms")
    print(f"   original ranked first {found_first / len(sample):.1%}, in results {found_any / len(sample):.1%}")
    for kind, (ok, n) in sorted(by_kind.items()):
        print(f"     {kind:12s} found {ok}/{n}")
    print(f"search_citizens  n={len(search_times):4d}  p50={s50:7.1f} ms  p95={s95:7.1f} ms", end="  ")
    print(f"found {search_found}/{len(sample)}")
    print(f"naive icontains  n={len(naive_times):4d}  p50={n50:7.1f} ms  p95={n95:7.1f} ms", end="  ")
    print(f"found {naive_found}/{len(naive_times)}")
    print(f"ratios naive/match p50 {n50 / m50:.1f}x p95 {n95 / m95:.1f}x", end="; ")
    print(f"naive/search p50 {n50 / s50:.1f}x p95 {n95 / s95:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--citizens", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--naive-queries", type=int, default=30, help="the scan is slow: fewer samples")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--load-only", action="store_true")
    parser.add_argument(
        "--loader",
        choices=("auto", "seed_demo", "copy"),
        default="auto",
        help="auto: manage.py seed_demo when it exists, else the COPY loader of this script",
    )
    args = parser.parse_args()
    if args.load_only:
        call_command("migrate", verbosity=0)
        ensure_citizens(args.citizens, args.loader)
        return
    run(args.citizens, args.queries, args.naive_queries, args.seed, args.loader)


if __name__ == "__main__":
    main()
