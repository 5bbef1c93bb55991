"""Identity normalisation for matching and search.

Names are compared in a canonical form: upper-case ASCII (accents folded), hyphens and
apostrophes as spaces, particles (le, la, de, du, des, d') dropped, whitespace collapsed.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass, field

import jellyfish
from django.db import connection, transaction
from django.utils import timezone

from grc.models import Citizen

PARTICLES = {"LE", "LA", "LES", "DE", "DU", "DES", "D", "L", "DEL", "DELLA", "VAN", "VON", "DER", "DEN"}
_NON_LETTERS = re.compile(r"[^A-Z ]+")
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Upper-case ASCII with accents, ligatures, hyphens and apostrophes turned into plain letters/spaces."""
    text = (text or "").replace("Œ", "OE").replace("œ", "oe").replace("Æ", "AE").replace("æ", "ae").replace("ß", "ss")
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c)).upper()
    ascii_text = _NON_LETTERS.sub(" ", ascii_text)
    return _SPACES.sub(" ", ascii_text).strip()


def normalise_name(text: str) -> str:
    """Canonical family name: folded, particles removed ("d'Arc" → "ARC", "Le Goff" → "GOFF")."""
    words = [w for w in fold(text).split(" ") if w]
    kept = [w for w in words if w not in PARTICLES]
    return " ".join(kept or words)


def normalise_first_names(text: str) -> str:
    """Canonical first names, in order: "Jean-Pierre, Marie" → "JEAN PIERRE MARIE"."""
    return fold(text)


# French phonetic key: a small Phonex / Soundex2-fr style rule table, written for names as they are
# heard and typed ("Lefevre Marivonne" for LEFEBVRE Maryvonne). Rules run in order on a folded word
# (A-Z); lower-case letters are placeholders of one step, upper-cased at the end. The output keeps
# letters for consonants and oral vowels, and digits for nasal vowels so that a nasal is never
# confused with a pronounced N: JEAN → J1 but JEANNE → JAN, MARTIN → MART2 but MARTINE → MARTIN.
_PHONETIC_RULES: tuple[tuple[re.Pattern, str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        # Letters that spell one sound, and the mute H.
        (r"PH", "F"),
        (r"SCH|SH", "c"),  # c: the "ch" sound
        (r"CH(?=[^AEIOUY]|$)", "K"),  # CHRISTOPHE, CHLOE
        (r"CH", "c"),
        (r"H", ""),  # THIERRY, GAUTHIER, HELENE, RHODES
        (r"Y", "I"),
        (r"W", "V"),
        (r"AULT$", "AUT"),  # RENAULT, PERRAULT: the L is silent
        # S between vowels sounds Z (DENISE); a double S never does (ROUSSEAU). Before C turns into S.
        (r"SS", "s"),  # s: a pronounced S, kept by the silent-final-letter rules
        (r"(?<=[AEIOU])S(?=[AEIOU])", "Z"),
        # Hard and soft C, G, Q, X.
        (r"GN", "NI"),  # AGNES, MIGNON
        (r"QU|Q|CK", "K"),
        (r"GU(?=[EI])", "g"),  # g: a hard G (GUILLAUME, GUENAEL)
        (r"GE(?=[AOU])|G(?=[EI])", "J"),  # GEORGES, GILLES
        (r"[SC]?C(?=[EI])", "s"),  # CELINE, VINCENT, SCIENCE; s: a pronounced S (ALICE)
        (r"C", "K"),
        (r"X(?=.)", "KS"),  # a final X is silent, see below
        (r"BV", "V"),  # LEFEBVRE
        (r"PT", "T"),  # BAPTISTE
        # "ILL" after a vowel is a Y sound (MAILLARD, BOUILLON); after a consonant an L (GILLES).
        (r"(?<=[AEOU])ILL", "I"),
        # Nasal vowels: a vowel + N/M not followed by a vowel or another N/M.
        (r"IEN(?![AEIOUNM])", "I2"),  # JULIEN, FABIEN
        (r"(?:AI|EI|I|U)[NM](?![AEIOUNM])", "2"),  # ALAIN, MARTIN, VERDUN
        (r"(?:EA|A|E)[NM](?![AEIOUNM])", "1"),  # JEAN, LAURENT, LAMBERT
        (r"O[NM](?![AEIOUNM])", "3"),  # DUPONT, SIMON
        # Oral vowels spelled with several letters.
        (r"EAU|AU", "O"),
        (r"(?:AI|EI)(?![AEIOU])|OE|EU", "E"),
        (r"OU", "U"),
        # Double letters are one sound.
        (r"(.)\1+", r"\1"),
        # Silent final letters: E, then S or X, then T or D but not after S (ERNEST), then E again
        # (DUPONT, RENAUD, LEROUX, ROBERTS, GEORGES).
        (r"(?<=.)E$", ""),
        (r"(?<=.)[SX]$", ""),
        (r"(?<=[^S])[TD]$", ""),
        (r"(?<=.)E$", ""),
    )
)


def phonetic(word: str) -> str:
    """French phonetic key of one folded word (upper-case A-Z), for names typed as they are heard.

    Spellings that sound alike get the same key: F/PH, Y/I, EAU/AU/O, AI/EI/E, C/K/QU, S/Z between
    vowels, silent final E/S/T/X/D, double consonants, BV/V, GN, mute H, AULT/AUD/O, nasal
    AN/EN/AM/EM, IN/AIN/EIN/UN, ON/OM. So LEFEBVRE = LEFEVRE, PHILIPPE = FILIPE, GAUTHIER = GOTHIER,
    RENAULT = RENAUD = RENO, CHRISTOPHE = KRISTOF, ROUSSEAU = ROUSSO; LEROY ≠ LEROUX, JEAN ≠ JEANNE,
    MARTIN ≠ MARTINE ≠ MARTINEZ. A key is a retrieval and ranking aid, never proof of identity.
    """
    key = word
    for pattern, replacement in _PHONETIC_RULES:
        key = pattern.sub(replacement, key)
    return key.upper()


def phonetic_words(text: str) -> str:
    """Phonetic keys of the words of a folded text, space-separated, in order."""
    return " ".join(phonetic(w) for w in text.split())


def normalised_fields(*, birth_name: str, usage_name: str, first_names: str) -> dict[str, str]:
    """The derived columns stored on ``Citizen`` for indexed retrieval.

    ``search_phonetic`` holds the phonetic key (``phonetic``) of each word of ``search_name``, in
    the same order: family names (particles removed) then first names.
    """
    birth = normalise_name(birth_name)
    usage = normalise_name(usage_name)
    firsts = normalise_first_names(first_names)
    names = " ".join(dict.fromkeys(n for n in (birth, usage) if n))
    search_name = f"{names} {firsts}".strip()
    return {
        "norm_birth_name": birth,
        "norm_usage_name": usage,
        "norm_first_names": firsts,
        "search_name": search_name,
        "search_phonetic": phonetic_words(search_name),
    }


# --- Identity matching ----------------------------------------------------------------------------
#
# Thresholds, and why:
# - SUSPICION_THRESHOLD 0.80: a true duplicate with one or two clerical errors (a typo in the name,
#   a swapped or one-digit-off birth date, a partial first name, birth vs usage name) scores 0.83–1.0;
#   homonyms (same name and first name, other birth date) score ≤ 0.70 and twins (same name and date,
#   other first name) are capped at 0.75, so neither is raised for review.
# - MATCH_MIN_SCORE 0.50: below it a candidate shares little more than a common name; showing it to an
#   agent choosing "who is this letter from?" is noise.
# - MATCH_WORD_THRESHOLD 0.60: share of the trigrams of "family names + first given name" found in
#   ``search_name`` (pg_trgm word similarity) for the trigram arm of the retrieval. A one-letter typo
#   keeps ~0.8, a usage name missing on one side ~0.65; at 0.5 the GIN index lets through every
#   "MARTIN x" for "MARTIN JEAN" (which must then be rechecked from the heap: too slow at 1M rows).
# - DATE_ARM_NAME_SIMILARITY 0.30: with a birth date filter (a few dozen rows) a name only has to look
#   vaguely alike to be shown by the back-office search.
SUSPICION_THRESHOLD = 0.80
MATCH_MIN_SCORE = 0.50
MATCH_WORD_THRESHOLD = 0.60
DATE_ARM_NAME_SIMILARITY = 0.30
# Free-text back-office search, in two passes: a strict one (cheap: the GIN index is selective) and,
# when it gives fewer hits than asked, a tolerant one (typos) whose heap recheck is capped. Measured
# at 1M citizens (bench/identity.py): the tolerant pass at 0.5 costs ~2x the time of 0.6 for the same
# hits on a one-typo surname + first name; 0.6 still finds a one-letter typo in a 5-letter name.
SEARCH_STRICT_THRESHOLD = 0.80
SEARCH_WORD_THRESHOLD = 0.60
_SEARCH_TOLERANT_CAP = 1000
# Share of the search score given to the phonetic keys (word similarity of the query's keys in
# ``search_phonetic``): enough to lift a sound-alike over a mere look-alike, not enough to rank it
# before the exact spelling. The phonetic arm uses the strict threshold: keys are already tolerant.
_SEARCH_PHONETIC_WEIGHT = 0.25
# Per-arm caps: the retrieval never returns more than a few hundred rows to score in Python.
_CLOSE_DATE_CAP = 300
_FAR_DATE_CAP = 100
_TRGM_CAP = 60
# Heap rechecks of the trigram arm: bounds a very common name ("MARTIN" + a first name starting with
# "A"); such people are found by their birth date (arms a and b) rather than by their name.
_TRGM_RECHECK_CAP = 1500
# Weights of the three identity pillars (sum 1); birth place, sex, address and NIR adjust the result.
_W_NAME, _W_FIRST, _W_DATE = 0.40, 0.25, 0.35
_UNKNOWN = 0.5  # a missing birth date or first name neither confirms nor contradicts
_TWIN_CAP = 0.75  # same name and date but incompatible first names: siblings, not duplicates
_MIN_YEAR = 1880
_NAME_CLOSE = 0.8


@dataclass
class IdentityQuery:
    """An identity to look for: typed by an agent, read from a letter, or taken from a citizen."""

    birth_name: str = ""
    usage_name: str = ""
    first_names: str = ""
    birth_date: datetime.date | None = None
    birth_place: str = ""
    sex: str = ""
    nir: str = ""
    postcode: str = ""
    city: str = ""
    address: str = ""

    @classmethod
    def from_citizen(cls, citizen) -> IdentityQuery:
        """The citizen's identity and current address (prefetched ``addresses`` are used if present)."""
        address = _current_address(citizen)
        return cls(
            birth_name=citizen.birth_name or "",
            usage_name=citizen.usage_name or "",
            first_names=citizen.first_names or "",
            birth_date=citizen.birth_date,
            birth_place=citizen.birth_place or "",
            sex=citizen.sex or "",
            nir=citizen.nir or "",
            postcode=address.postcode if address else "",
            city=address.city if address else "",
            address=address.line1 if address else "",
        )


@dataclass
class Candidate:
    citizen_id: int
    score: float
    reasons: list[str] = field(default_factory=list)


@dataclass
class SearchHit:
    citizen: Citizen
    score: float


def _current_address(citizen):
    if citizen is None or citizen.pk is None:
        return None
    cache = getattr(citizen, "_prefetched_objects_cache", {})
    if "addresses" in cache:
        current = [a for a in cache["addresses"] if a.end_date is None]
        current.sort(key=lambda a: (a.start_date or datetime.date.min, a.pk), reverse=True)
        return current[0] if current else None
    return citizen.addresses.filter(end_date__isnull=True).order_by("-start_date", "-id").first()


def _glued_variants(folded: str) -> set[str]:
    """Spelling-free keys of a folded family name: "DE LA FONTAINE" → DELAFONTAINE, LAFONTAINE, FONTAINE."""
    words = folded.split()
    if not words:
        return set()
    core = [w for w in words if w not in PARTICLES] or words
    variants = {"".join(core)}
    for i, word in enumerate(words):
        variants.add("".join(words[i:]))
        if word not in PARTICLES:
            break
    return variants


_GLUED_PARTICLES = ("DELA", "DES", "DEL", "DU", "DE", "LE", "LA", "D")


def name_keys(text: str) -> set[str]:
    """Values of ``norm_birth_name``/``norm_usage_name`` that may denote this family name.

    Besides its own normalised form, a name written without spaces may carry a glued particle
    ("LEGOFF" may be stored as "Le Goff" → "GOFF"), and a name with particles may be stored glued
    ("Le Goff" → "LEGOFF"). Used for indexed retrieval only; scoring decides.
    """
    folded = fold(text)
    if not folded:
        return set()
    keys = {normalise_name(text)} | _glued_variants(folded)
    for key in list(keys):
        rest = key
        for _ in range(3):
            prefix = next((p for p in _GLUED_PARTICLES if rest.startswith(p) and len(rest) - len(p) >= 3), None)
            if not prefix:
                break
            rest = rest[len(prefix) :]
            keys.add(rest)
    return {k for k in keys if k}


@dataclass
class _Name:
    label: str  # as shown in reasons
    keys: frozenset  # glued variants: equal keys mean the same name written differently
    compact: str  # core words glued, for typo distance
    words: frozenset  # core words, for compound names
    sound: str  # phonetic keys of the core words: spelled as heard ("ROUSSO" for ROUSSEAU)


def _name(text: str) -> _Name | None:
    folded = fold(text)
    if not folded:
        return None
    core = normalise_name(text)
    return _Name(
        label=folded,
        keys=frozenset(_glued_variants(folded)),
        compact=core.replace(" ", ""),
        words=frozenset(w for w in core.split() if len(w) > 1),
        sound=phonetic_words(core),
    )


@dataclass
class _Profile:
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


def _profile(*, pk, birth_name, usage_name, first_names, birth_date, birth_place, sex, nir, postcode, address):
    return _Profile(
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


def _query_profile(query: IdentityQuery) -> _Profile:
    return _profile(
        pk=None,
        birth_name=query.birth_name,
        usage_name=query.usage_name,
        first_names=query.first_names,
        birth_date=query.birth_date,
        birth_place=query.birth_place,
        sex=query.sex,
        nir=query.nir,
        postcode=query.postcode,
        address=query.address,
    )


def _citizen_profile(citizen) -> _Profile:
    q = IdentityQuery.from_citizen(citizen)
    profile = _query_profile(q)
    profile.pk = citizen.pk
    return profile


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


def _names_score(a: _Profile, b: _Profile) -> tuple[float, list[str]]:
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


def _score(a: _Profile, b: _Profile) -> tuple[float, list[str]]:
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


def compare(a, b) -> Candidate:
    """Score and readable reasons for two citizens being the same person (``citizen_id`` is ``b``'s)."""
    score, reasons = _score(_citizen_profile(a), _citizen_profile(b))
    return Candidate(citizen_id=b.pk, score=score, reasons=reasons)


def birth_date_variants(day: datetime.date) -> tuple[list[datetime.date], list[datetime.date]]:
    """(exact and day/month swapped, every valid date one digit away in DDMMYYYY)."""
    close = [day]
    if day.day <= 12 and day.day != day.month:
        close.append(day.replace(day=day.month, month=day.day))
    text = day.strftime("%d%m%Y")
    latest = timezone.localdate().year + 1
    far = []
    for i, digit in enumerate(text):
        for other in "0123456789":
            if other == digit:
                continue
            candidate = text[:i] + other + text[i + 1 :]
            try:
                value = datetime.date(int(candidate[4:]), int(candidate[2:4]), int(candidate[:2]))
            except ValueError:
                continue
            if _MIN_YEAR <= value.year <= latest and value not in close:
                far.append(value)
    return close, far


_CANDIDATE_COLUMNS = """
    c.id, c.birth_name, c.usage_name, c.first_names, c.birth_date, c.birth_place, c.sex, c.nir,
    a.postcode, a.line1
"""
_CURRENT_ADDRESS_JOIN = """
    LEFT JOIN LATERAL (
        SELECT postcode, line1 FROM grc_address
        WHERE citizen_id = c.id AND end_date IS NULL
        ORDER BY start_date DESC NULLS LAST, id DESC LIMIT 1
    ) a ON TRUE
"""


def _retrieval_sql(*, query: IdentityQuery, profile: _Profile, exclude_ids, tier: int = 1) -> tuple[str, dict] | None:
    """One UNION of bounded, indexed arms; None when the query has nothing to look up at that tier.

    Tier 1 is exact look-ups (a few milliseconds): birth date and its variants, family name with
    first-names prefix, NIR. Tier 2 is the trigram index on the names, for typos when tier 1 found
    nobody convincing; on a common name it is the expensive one.
    """
    arms = []
    params = {
        "exclude": list(exclude_ids) or [0],
        "close_cap": _CLOSE_DATE_CAP,
        "far_cap": _FAR_DATE_CAP,
        "trgm_cap": _TRGM_CAP,
        "trgm_recheck_cap": _TRGM_RECHECK_CAP,
        "min_sim": DATE_ARM_NAME_SIMILARITY,
    }
    names = " ".join(filter(None, (normalise_name(query.birth_name), normalise_name(query.usage_name))))
    # Family names and the first given name only: fewer (and rarer) trigrams for the GIN index.
    first_word = profile.firsts[0].split()[0] if profile.firsts else ""
    search = f"{' '.join(dict.fromkeys(names.split()))} {first_word}".strip()
    params["search"] = search
    keys = sorted(name_keys(query.birth_name) | name_keys(query.usage_name))
    params["keys"] = keys
    # Status is checked once, on the joined rows: inside the arms it would force heap reads.
    if tier == 1 and query.birth_date:
        close, far = birth_date_variants(query.birth_date)
        params.update(close=close, far=far)
        # (a) same birth date or day/month swapped: every citizen born that day (a few dozen).
        arms.append(
            "(SELECT id FROM grc_citizen WHERE birth_date = ANY(%(close)s) AND id <> ALL(%(exclude)s) "
            "LIMIT %(close_cap)s)"
        )
        if far and keys:
            # (b) one digit off with the same family name: the (name, birth date) btrees.
            arms.append(
                "(SELECT id FROM grc_citizen WHERE birth_date = ANY(%(far)s) AND id <> ALL(%(exclude)s) "
                "AND (norm_birth_name = ANY(%(keys)s) OR norm_usage_name = ANY(%(keys)s)) LIMIT %(far_cap)s)"
            )
        if far and search:
            # (c) one digit off and a typo in the name: index-only scan of (birth_date) INCLUDE (id, search_name).
            arms.append(
                "(SELECT id FROM grc_citizen WHERE birth_date = ANY(%(far)s) AND id <> ALL(%(exclude)s) "
                "AND similarity(search_name, %(search)s) >= %(min_sim)s LIMIT %(far_cap)s)"
            )
    if tier == 1 and keys and first_word:
        # (d) same family name (birth or usage, particles either way) and first names starting alike.
        params["first_prefix"] = first_word + "%"
        arms.append(
            "(SELECT id FROM grc_citizen WHERE norm_birth_name = ANY(%(keys)s) "
            "AND norm_first_names LIKE %(first_prefix)s AND id <> ALL(%(exclude)s) LIMIT %(far_cap)s)"
        )
        arms.append(
            "(SELECT id FROM grc_citizen WHERE norm_usage_name = ANY(%(keys)s) "
            "AND norm_first_names LIKE %(first_prefix)s AND id <> ALL(%(exclude)s) LIMIT %(far_cap)s)"
        )
    if tier == 1 and profile.nir:
        params["nir"] = profile.nir
        # (e) the NIR, whatever else differs.
        arms.append("(SELECT id FROM grc_citizen WHERE nir = %(nir)s AND id <> ALL(%(exclude)s) LIMIT 5)")
    if tier == 2 and search and names:
        # (f) trigram index on the names, whatever the birth date.
        arms.append(
            "(SELECT id FROM (SELECT id, search_name FROM grc_citizen WHERE %(search)s <%% search_name "
            "AND id <> ALL(%(exclude)s) LIMIT %(trgm_recheck_cap)s) found "
            "ORDER BY %(search)s <<-> search_name LIMIT %(trgm_cap)s)"
        )
    if not arms:
        return None
    sql = (
        f"SELECT {_CANDIDATE_COLUMNS} FROM ({' UNION '.join(arms)}) ids "  # noqa: S608 - constant SQL, bound values
        f"JOIN grc_citizen c ON c.id = ids.id {_CURRENT_ADDRESS_JOIN} WHERE c.status = 'active'"
    )
    return sql, params


def _fetch_candidates(sql: str, params: dict) -> list[_Profile]:
    with transaction.atomic(), connection.cursor() as cursor:
        # SET LOCAL: the threshold of the ``<%`` operator of arm (f), for this transaction only.
        cursor.execute("SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)", [str(MATCH_WORD_THRESHOLD)])
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [
        _profile(
            pk=pk,
            birth_name=birth_name,
            usage_name=usage_name,
            first_names=first_names,
            birth_date=birth_date,
            birth_place=birth_place,
            sex=sex,
            nir=nir,
            postcode=postcode,
            address=line1,
        )
        for pk, birth_name, usage_name, first_names, birth_date, birth_place, sex, nir, postcode, line1 in rows
    ]


def match(
    query: IdentityQuery,
    *,
    limit: int = 10,
    min_score: float = MATCH_MIN_SCORE,
    exclude_ids=(),
    fuzzy_names: bool = True,
) -> list[Candidate]:
    """Active citizens who may be the person described by ``query``, best first.

    Retrieval is bounded indexed look-ups, never a scan of the table: first exact ones (birth
    date and its swapped / one-digit-off variants, family name + first names, NIR); then, only if
    none of those is a likely duplicate, trigram similarity of the names (typos, no birth date).
    The few hundred rows returned are scored in Python (see ``compare`` for the scoring).
    ``fuzzy_names=False`` skips the trigram tier (bulk detection of citizens with a birth date: their
    misspelled duplicates are found through the birth date arms).
    """
    profile = _query_profile(query)
    scored: dict[int, Candidate] = {}
    for tier in (1, 2):
        if tier == 2 and (not fuzzy_names or any(c.score >= SUSPICION_THRESHOLD for c in scored.values())):
            break
        built = _retrieval_sql(query=query, profile=profile, exclude_ids=exclude_ids, tier=tier)
        if built is None:
            continue
        for other in _fetch_candidates(*built):
            if other.pk not in scored:
                score, reasons = _score(profile, other)
                scored[other.pk] = Candidate(citizen_id=other.pk, score=score, reasons=reasons)
    candidates = sorted((c for c in scored.values() if c.score >= min_score), key=lambda c: (-c.score, c.citizen_id))
    return candidates[:limit]


def _search_variants(text: str) -> list[str]:
    """Folded free text without particles, plus glued forms for names written with or without them."""
    folded = fold(text)
    if not folded:
        return []
    words = folded.split()
    base = " ".join(w for w in words if w not in PARTICLES) or folded
    variants = [base]
    if any(w in PARTICLES for w in words):
        variants.append(" ".join(_glued_query_words(words)))
    for word in base.split():
        keys = name_keys(word) - {word}
        if keys:
            shortest = min(keys, key=len)
            variants.append(base.replace(word, shortest, 1))
    return list(dict.fromkeys(variants))[:3]


def _glued_query_words(words: list[str]) -> list[str]:
    out, pending = [], ""
    for word in words:
        if word in PARTICLES:
            pending += word
        else:
            out.append(pending + word)
            pending = ""
    return out + ([pending] if pending else [])


def _search_sql(
    *, variants: list[str], sounds: str, birth_date, status: str, trigram: bool = True, phonetic_arm: bool = True
) -> tuple[str, dict]:
    """The SQL of one search pass: a UNION of capped, indexed arms, scored and ranked.

    Arms: trigram (``<%`` on ``search_name``, threshold set by the caller) and phonetic (``<%`` on
    ``search_phonetic``, same threshold); with a birth date, the birth date btree instead. Score: how
    much of the query is found in the stored name, with a little credit for nothing else there, then
    a quarter for the phonetic keys, so that an exact spelling (1.0) ranks before a sound-alike.
    """
    params: dict = {
        "cap": _SEARCH_TOLERANT_CAP,
        "p": sounds,
        "w_spell": 1 - _SEARCH_PHONETIC_WEIGHT,
        "w_sound": _SEARCH_PHONETIC_WEIGHT,
    }
    params.update({f"v{i}": v for i, v in enumerate(variants)})
    trigram_score = "GREATEST({})".format(
        ", ".join(
            f"0.7 * word_similarity(%(v{i})s, search_name) + 0.3 * similarity(%(v{i})s, search_name)"
            for i in range(len(variants))
        )
    )
    score = f"%(w_spell)s * {trigram_score} + %(w_sound)s * word_similarity(%(p)s, search_phonetic)"
    columns = "id, search_name, search_phonetic"
    if birth_date is not None:
        # The birth date btree gives a few dozen rows: the name only has to look or sound vaguely alike.
        params.update(birth_date=birth_date, min_sim=DATE_ARM_NAME_SIMILARITY, min_sound=SEARCH_STRICT_THRESHOLD)
        name_filter = " OR ".join(
            [f"word_similarity(%(v{i})s, search_name) >= %(min_sim)s" for i in range(len(variants))]
            + ["word_similarity(%(p)s, search_phonetic) >= %(min_sound)s"]
        )
        arms = [
            f"(SELECT {columns} FROM grc_citizen WHERE birth_date = %(birth_date)s "  # noqa: S608
            f"AND ({name_filter}) {status})"
        ]
    else:
        arms = []
        if trigram:
            spelled = " OR ".join(f"%(v{i})s <%% search_name" for i in range(len(variants)))
            # The LIMIT bounds the heap rechecks of a tolerant pass on a very common name.
            arms.append(f"(SELECT {columns} FROM grc_citizen WHERE ({spelled}) {status} LIMIT %(cap)s)")  # noqa: S608
        if phonetic_arm:
            arms.append(
                f"(SELECT {columns} FROM grc_citizen WHERE %(p)s <%% search_phonetic {status} "  # noqa: S608
                "LIMIT %(cap)s)"
            )
    sql = (
        f"SELECT id, {score} AS score FROM ({' UNION '.join(arms)}) found "  # noqa: S608 - constant SQL, bound values
        "ORDER BY score DESC, id LIMIT %(limit)s"
    )
    return sql, params


def search_citizens(
    *, query: str = "", birth_date=None, limit: int = 25, include_merged: bool = False
) -> list[SearchHit]:
    """Back-office search: free text ("dupond jean": typos, accents, particles, birth or usage name,
    names written as heard: "lefevre marivonne") and/or a birth date, best first. Indexed (trigram
    GIN on ``search_name`` and ``search_phonetic``, btree on ``birth_date``); returns citizens with
    their addresses prefetched.
    """
    variants = _search_variants(query)
    if not variants and birth_date is None:
        return []
    status = "" if include_merged else "AND status = 'active'"
    if not variants:
        params = {"limit": limit, "birth_date": birth_date}
        sql = (
            f"SELECT id, 1.0 AS score FROM grc_citizen WHERE birth_date = %(birth_date)s {status} "  # noqa: S608
            "ORDER BY norm_birth_name, norm_first_names, id LIMIT %(limit)s"
        )
        scored = _search_rows(sql, params, SEARCH_WORD_THRESHOLD)
    else:
        sounds = phonetic_words(variants[0])
        sql, params = _search_sql(variants=variants, sounds=sounds, birth_date=birth_date, status=status)
        params["limit"] = limit
        # First pass: strict spelling or same sound (both selective in the GIN indexes).
        scored = _search_rows(sql, params, SEARCH_STRICT_THRESHOLD)
        if birth_date is None and len(scored) < limit:
            # Tolerant pass for typos, spelling only: the phonetic arm already ran, its hits are kept.
            sql, params = _search_sql(
                variants=variants, sounds=sounds, birth_date=None, status=status, phonetic_arm=False
            )
            params["limit"] = limit
            best = dict(scored)
            for pk, score in _search_rows(sql, params, SEARCH_WORD_THRESHOLD):
                best[pk] = max(score, best.get(pk, score))
            scored = sorted(best.items(), key=lambda item: (-item[1], item[0]))[:limit]
    citizens = Citizen.objects.prefetch_related("addresses").in_bulk([pk for pk, _ in scored])
    return [SearchHit(citizen=citizens[pk], score=round(float(s), 3)) for pk, s in scored if pk in citizens]


def _search_rows(sql: str, params: dict, threshold: float) -> list[tuple[int, float]]:
    with transaction.atomic(), connection.cursor() as cursor:
        # SET LOCAL: the threshold of the ``<%`` operator, for this transaction only.
        cursor.execute("SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)", [str(threshold)])
        cursor.execute(sql, params)
        return cursor.fetchall()
