"""How alike two identities are: a score (0..1) and the reasons an agent reads.

Identities are compared as pre-normalised profiles (``make_profile``), so a few hundred candidates
score in a few milliseconds. The weights and caps below, and the thresholds in
``grc.matching.candidates``, were set together: change one, rerun tests/grc/test_matching.py.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass

import jellyfish

from grc.matching.names import fold, glued_variants, normalise_name
from grc.matching.phonetics import phonetic_words

# Weights of the three identity pillars (sum 1); birth place, sex, address and NIR adjust the result.
_W_NAME, _W_FIRST, _W_DATE = 0.40, 0.25, 0.35
_UNKNOWN = 0.5  # a missing birth date or first name neither confirms nor contradicts
_TWIN_CAP = 0.75  # same name and date but incompatible first names: siblings, not duplicates
_NAME_CLOSE = 0.8


@dataclass(frozen=True)
class _Name:
    label: str  # as shown in reasons
    keys: frozenset  # glued variants: equal keys mean the same name written differently
    compact: str  # core words glued, for typo distance
    words: frozenset  # core words, for compound names
    sound: str  # phonetic keys of the core words: spelled as heard ("ROUSSO" for ROUSSEAU)


@functools.lru_cache(maxsize=100_000)  # a few hundred candidates per match, many sharing a name
def _name(text: str) -> _Name | None:
    folded = fold(text)
    if not folded:
        return None
    core = normalise_name(text)
    return _Name(
        label=folded,
        keys=frozenset(glued_variants(folded)),
        compact=core.replace(" ", ""),
        words=frozenset(w for w in core.split() if len(w) > 1),
        sound=phonetic_words(core),
    )


@dataclass
class Profile:
    """A pre-normalised identity, so a few hundred candidates score in a few milliseconds."""

    pk: int | None
    birth: _Name | None
    usage: _Name | None
    firsts: tuple[str, ...]  # given names as written between commas, folded: ("JEAN PIERRE", "LOUIS")
    birth_date: datetime.date | None
    birth_place: str
    sex: str
    nir: str
    postcode: str
    address: str


def make_profile(*, pk, birth_name, usage_name, first_names, birth_date, birth_place, sex, nir, postcode, address):
    """The profile of an identity given field by field (a query, or a row of the candidates' SQL)."""
    return Profile(
        pk=pk,
        birth=_name(birth_name),
        usage=_name(usage_name),
        firsts=tuple(unit for unit in (fold(u) for u in (first_names or "").split(",")) if unit),
        birth_date=birth_date,
        birth_place=fold(birth_place),
        sex=sex if sex in ("F", "M") else "",
        nir=(nir or "").replace(" ", "").upper(),
        postcode=(postcode or "").strip(),
        address=fold(address),
    )


def _string_similarity(a: str, b: str) -> float:
    """1 for equal; 0.93 for one edit (a typo); 0.86 for two edits in a long name that still starts and
    sounds alike (JW ≥ 0.9); otherwise at most 0.75 ("different": MORIN / MARTIN, KERVERN / PELVERN)."""
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    distance = jellyfish.damerau_levenshtein_distance(a, b)
    if distance == 1:
        return 0.93
    jaro_winkler = jellyfish.jaro_winkler_similarity(a, b)
    if distance == 2 and min(len(a), len(b)) >= 7 and a[0] == b[0] and jaro_winkler >= 0.9:
        return 0.86
    return min(jaro_winkler, 0.75)


def _name_similarity(a: _Name, b: _Name) -> float:
    if a.keys & b.keys:
        return 1.0
    best = _string_similarity(a.compact, b.compact)
    if best < 0.86 and a.words and b.words and (a.words <= b.words or b.words <= a.words):
        best = 0.9  # one part of a compound name ("MARTIN DUPONT" / "DUPONT")
    if best < 0.86 and a.sound == b.sound:
        best = 0.86  # sounds the same (ROUSSEAU / ROUSSO, GAUTHIER / GOTHIER): as close as a two-letter typo
    return best


def _names_score(a: Profile, b: Profile) -> tuple[float, list[str]]:
    pairs = []
    for a_kind, a_name in (("birth", a.birth), ("usage", a.usage)):
        for b_kind, b_name in (("birth", b.birth), ("usage", b.usage)):
            if a_name and b_name:
                # Birth-to-birth first: a tie must not be reported as a usage-name match.
                pairs.append(
                    (_name_similarity(a_name, b_name), a_kind == b_kind == "birth", a_kind, b_kind, a_name, b_name)
                )
    if not pairs:
        return _UNKNOWN, []
    score, _, a_kind, b_kind, a_name, b_name = max(pairs, key=lambda p: (p[0], p[1], p[2] == p[3]))
    if score < 0.7:
        return score, [f"Noms différents ({a_name.label} / {b_name.label})"]
    if a_kind == b_kind == "birth":
        subject = "Même nom de naissance" if score == 1.0 else "Nom de naissance proche"
    elif a_kind == b_kind == "usage":
        subject = "Même nom d'usage" if score == 1.0 else "Nom d'usage proche"
    else:
        subject = "Trouvé par le nom d'usage"
    if score == 1.0 and a_name.label == b_name.label:
        return score, [subject]
    return score, [f"{subject} ({a_name.label} / {b_name.label})"]


def _first_names_score(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[float, list[str]]:
    """Compare the first given names as units: "Jean-Jules" and "Jean-Édouard" are two different names,
    "Jean" and "Jean-Pierre" (or "Jean Pierre") may be the same person written shorter."""
    if not a or not b:
        return _UNKNOWN, []
    if a == b:
        return 1.0, ["Mêmes prénoms"]
    shown = f"({', '.join(a)} / {', '.join(b)})"
    first_a, first_b = a[0].split(), b[0].split()
    if first_a == first_b:
        return 0.9, [f"Même premier prénom {shown}"]
    shorter, longer = (first_a, first_b) if len(first_a) <= len(first_b) else (first_b, first_a)
    if longer[: len(shorter)] == shorter:
        return 0.85, [f"Prénoms compatibles {shown}"]
    if a[0] in b or b[0] in a:
        # Called by a second given name: possible, but also what sisters "Anne, Marie" and "Marie" look like.
        return 0.6, [f"Prénom retrouvé parmi les prénoms {shown}"]
    compact_a, compact_b = "".join(first_a), "".join(first_b)
    allowed = 2 if min(len(compact_a), len(compact_b)) >= 8 else 1
    if jellyfish.damerau_levenshtein_distance(compact_a, compact_b) <= allowed:
        return 0.8, [f"Prénom proche {shown}"]
    return 0.0, [f"Prénoms différents {shown}"]


def _one_digit_apart(a: datetime.date, b: datetime.date) -> bool:
    x, y = a.strftime("%d%m%Y"), b.strftime("%d%m%Y")
    return sum(c != d for c, d in zip(x, y, strict=True)) == 1


def _date_score(a: datetime.date | None, b: datetime.date | None) -> tuple[float, list[str]]:
    if a is None or b is None:
        return _UNKNOWN, []
    if a == b:
        return 1.0, ["Même date de naissance"]
    shown = f"({a:%d/%m/%Y} / {b:%d/%m/%Y})"
    if a.year == b.year and a.day == b.month and a.month == b.day:
        return 0.85, [f"Jour et mois de naissance inversés {shown}"]
    if _one_digit_apart(a, b):
        # A wrong digit in the year moves the age by years; in the day or month, by days.
        weight = 0.65 if a.year != b.year else 0.75
        return weight, [f"Date de naissance à un chiffre près {shown}"]
    if a.year == b.year:
        return 0.2, [f"Même année de naissance {shown}"]
    return 0.0, [f"Dates de naissance différentes {shown}"]


def score_profiles(a: Profile, b: Profile) -> tuple[float, list[str]]:
    """The score (0..1, 3 decimals) and the readable reasons for ``a`` and ``b`` being the same person."""
    name, reasons = _names_score(a, b)
    first, first_reasons = _first_names_score(a.firsts, b.firsts)
    date, date_reasons = _date_score(a.birth_date, b.birth_date)
    reasons = [*reasons, *first_reasons, *date_reasons]
    # A name that is neither equal nor a typo away is another name: it earns nothing (JW still gives
    # DURAND / MARTIN 0.6, which would make any two people born the same day with one first name alike).
    score = _W_NAME * (name if name >= _NAME_CLOSE else 0.0) + _W_FIRST * first + _W_DATE * date
    if a.birth_place and b.birth_place:
        if a.birth_place == b.birth_place:
            score += 0.05
            reasons.append("Même lieu de naissance")
        else:
            score -= 0.10
            reasons.append(f"Lieux de naissance différents ({a.birth_place} / {b.birth_place})")
    if a.sex and b.sex and a.sex != b.sex:
        score -= 0.15
        reasons.append("Sexes différents")
    if a.postcode and b.postcode and a.postcode == b.postcode:
        if a.address and a.address == b.address:
            score += 0.05
            reasons.append("Même adresse")
        else:
            score += 0.02
            reasons.append("Même code postal")
    if first == 0.0:
        score = min(score, _TWIN_CAP)
    if a.nir and b.nir:
        if a.nir == b.nir:
            # The NIR identifies a person: equal NIRs are a duplicate whatever the spelling.
            score = max(score, 0.97)
            reasons.insert(0, "Même NIR")
        else:
            score -= 0.30
            reasons.append("NIR différents")
    return round(max(0.0, min(1.0, score)), 3), reasons
