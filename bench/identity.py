"""Identity matching and the one citizen search at scale (a benchmark, not a test).

Runs against its own database (``grc_bench`` on the embedded server) so it never touches dev
data: migrates it, loads synthetic citizens up to ``--citizens`` (``manage.py seed_demo`` when it
exists, else the COPY loader below), gives 1 % of them a double birth name, VACUUM ANALYZE, then
times on the same data, each timed loop ``--passes`` times (the machine is shared: compare passes):

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

from grc.matching.candidates import IdentityQuery, match  # noqa: E402
from grc.matching.find import citizen_find  # noqa: E402
from grc.matching.names import PARTICLES, fold, normalise_name, normalised_fields  # noqa: E402
from grc.matching.search import search_citizens  # noqa: E402
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


def plant_compound_names(share: float = 0.01, seed: int = 11) -> None:
    """Give ``share`` of the citizens a hyphenated double birth name ("KERMARREC-LE GOFF"), once: the
    synthetic loaders have none, and the search must find a person typed with one part or a space."""
    if Citizen.objects.filter(birth_name__contains="-").exists():
        return
    rng = random.Random(seed)
    with connection.cursor() as cursor:
        cursor.execute("SELECT MIN(id), MAX(id) FROM grc_citizen")
        lo, hi = cursor.fetchone()
    ids = rng.sample(range(lo, hi + 1), int((hi - lo + 1) * share))
    rows = list(Citizen.objects.filter(id__in=ids).values_list("id", "birth_name", "usage_name", "first_names"))
    others = [r[1] for r in rng.sample(rows, len(rows))]
    with connection.cursor() as cursor:
        for (pk, birth, usage, firsts), other in zip(rows, others, strict=True):
            name = f"{birth}-{other}" if other != birth else birth
            norm = normalised_fields(birth_name=name, usage_name=usage, first_names=firsts)
            cursor.execute(
                "UPDATE grc_citizen SET birth_name = %s, norm_birth_name = %s, search_name = %s, search_phonetic = %s "
                "WHERE id = %s",
                [name, norm["norm_birth_name"], norm["search_name"], norm["search_phonetic"], pk],
            )
        cursor.execute("VACUUM ANALYZE grc_citizen")
    print(f"{len(rows):,} citizens given a double birth name")


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
        if rng.random() < 0.5:
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


def _pools(rng, queries: int) -> dict[str, list[Citizen]]:
    """Citizens to look for, per search kind: random ones, or those the kind applies to."""
    per_kind = max(1, queries // len(SEARCH_KINDS))
    where = {
        "particle": "birth_name ~ '^(LE|LA|DE|DU|DA|DOS|DES) ' AND usage_name = ''",
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


def run(citizens: int, queries: int, baseline_queries: int, seed: int, loader: str, passes: int) -> None:
    call_command("migrate", verbosity=0)
    ensure_citizens(citizens, loader)
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
    bench_match(sample, rng, passes)
    bench_search(_pools(rng, queries), rng, passes, baseline_queries)
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
        "--loader",
        choices=("auto", "seed_demo", "copy"),
        default="auto",
        help="auto: manage.py seed_demo when it exists, else the COPY loader of this script",
    )
    args = parser.parse_args()
    if args.load_only:
        call_command("migrate", verbosity=0)
        ensure_citizens(args.citizens, args.loader)
        plant_compound_names()
        return
    run(args.citizens, args.queries, args.baseline_queries, args.seed, args.loader, args.passes)


if __name__ == "__main__":
    main()
