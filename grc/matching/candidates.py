"""Who may be this person: bounded, indexed retrieval of candidates, scored by ``grc.matching.scoring``.

``match`` serves duplicate detection, the mailroom's "who is this letter from?", account linking and
the API; ``compare`` scores two known citizens (the merge screen).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from grc.matching.names import name_keys, normalise_name
from grc.matching.scoring import Profile, make_profile, score_profiles

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
# Per-arm caps: the retrieval never returns more than a few hundred rows to score in Python.
_CLOSE_DATE_CAP = 300
_FAR_DATE_CAP = 100
_TRGM_CAP = 60
# Heap rechecks of the trigram arm: bounds a very common name ("MARTIN" + a first name starting with
# "A"); such people are found by their birth date (arms a and b) rather than by their name.
_TRGM_RECHECK_CAP = 1500
_MIN_YEAR = 1880


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


def _current_address(citizen):
    if citizen is None or citizen.pk is None:
        return None
    cache = getattr(citizen, "_prefetched_objects_cache", {})
    if "addresses" in cache:
        current = [a for a in cache["addresses"] if a.end_date is None]
        current.sort(key=lambda a: (a.start_date or datetime.date.min, a.pk), reverse=True)
        return current[0] if current else None
    return citizen.addresses.filter(end_date__isnull=True).order_by("-start_date", "-id").first()


def _query_profile(query: IdentityQuery) -> Profile:
    return make_profile(
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


def _citizen_profile(citizen) -> Profile:
    q = IdentityQuery.from_citizen(citizen)
    profile = _query_profile(q)
    profile.pk = citizen.pk
    return profile


def compare(a, b) -> Candidate:
    """Score and readable reasons for two citizens being the same person (``citizen_id`` is ``b``'s)."""
    score, reasons = score_profiles(_citizen_profile(a), _citizen_profile(b))
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


def _retrieval_sql(*, query: IdentityQuery, profile: Profile, exclude_ids, tier: int = 1) -> tuple[str, dict] | None:
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


def _fetch_candidates(sql: str, params: dict) -> list[Profile]:
    with transaction.atomic(), connection.cursor() as cursor:
        # SET LOCAL: the threshold of the ``<%`` operator of arm (f), for this transaction only.
        cursor.execute("SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)", [str(MATCH_WORD_THRESHOLD)])
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [
        make_profile(
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
    The few hundred rows returned are scored in Python (see ``grc.matching.scoring`` for the scoring).
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
                score, reasons = score_profiles(profile, other)
                scored[other.pk] = Candidate(citizen_id=other.pk, score=score, reasons=reasons)
    candidates = sorted((c for c in scored.values() if c.score >= min_score), key=lambda c: (-c.score, c.citizen_id))
    return candidates[:limit]
