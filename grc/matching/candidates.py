"""Who may be this person: bounded, indexed retrieval of candidates, scored by ``grc.matching.scoring``.

``match`` serves duplicate detection, the mailroom's "who is this letter from?", account linking and
the API; ``compare`` scores two known citizens (the merge screen).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone

from grc.matching.find import Term, lexicon_words, name_probe, rank_rows, terms_of
from grc.matching.names import name_keys
from grc.matching.scoring import Profile, make_profile, score_profiles

# Thresholds, and why:
# - SUSPICION_THRESHOLD 0.80: a true duplicate with one or two clerical errors (a typo in the name,
#   a swapped or one-digit-off birth date, a partial first name, birth vs usage name) scores 0.83–1.0;
#   homonyms (same name and first name, other birth date) score ≤ 0.70 and twins (same name and date,
#   other first name) are capped at 0.75, so neither is raised for review.
# - MATCH_MIN_SCORE 0.50: below it a candidate shares little more than a common name; showing it to an
#   agent choosing "who is this letter from?" is noise.
SUSPICION_THRESHOLD = 0.80
MATCH_MIN_SCORE = 0.50
# Per-arm caps: the retrieval never returns more than a few hundred rows to score in Python.
_CLOSE_DATE_CAP = 300
_FAR_DATE_CAP = 100
# Citizens the name finder hands to the scoring (its best by name; homonyms beyond are told apart by
# the birth date arms).
_NAME_CAP = 60
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


def name_terms(query: IdentityQuery, profile: Profile) -> list[Term]:
    """The finder's terms for an identity: one for the family names (birth or usage, any of them, with
    their particle forms) and one for the first given name; none without a family name."""
    family_forms: set[str] = set()
    for text in (query.birth_name, query.usage_name):
        for term in terms_of(text, "family"):
            family_forms |= set(term.forms)
    if not family_forms:
        return []
    terms = [Term(text=max(family_forms, key=len), forms=tuple(sorted(family_forms)), role="family")]
    first_word = profile.firsts[0].split()[0] if profile.firsts else ""
    if first_word:
        terms.append(Term(text=first_word, forms=(first_word,), role="first"))
    return terms


def name_candidate_ids(
    query: IdentityQuery, profile: Profile, *, exclude_ids=(), tolerant: bool = True, terms=None, lexicon=None
) -> list[int]:
    """The candidate step by name: the one citizen finder (``grc.matching.find``) given the family names
    (birth or usage, any of them) and the first given name, its best ``_NAME_CAP`` by name. ``terms`` and
    ``lexicon``: already looked up by the caller (``name_terms``, ``lexicon_words``)."""
    terms = name_terms(query, profile) if terms is None else terms
    if not terms:
        return []
    rows = name_probe(terms, exclude_ids=exclude_ids, tolerant=tolerant, relax=False, lexicon=lexicon)
    if len(rows) <= _NAME_CAP:  # all of them go on: their order does not matter, the scoring decides
        return [row.citizen_id for row in rows]
    return [found.citizen_id for found in rank_rows(terms, rows)[:_NAME_CAP]]


def _retrieval_sql(
    *,
    query: IdentityQuery,
    profile: Profile,
    exclude_ids,
    name_ids: list[int],
    exact_arms: bool = True,
    family_words: list[str] = (),
) -> tuple[str, dict] | None:
    """One UNION of bounded, indexed arms; None when the query has nothing to look up.

    With ``exact_arms``, the birth date and its variants and the NIR; and the citizens the name finder
    chose (``name_ids``). ``family_words``: the lexicon's words near the family names (typos, sounds),
    for the arm "one digit off and a typo in the name".
    """
    arms = []
    params = {
        "exclude": list(exclude_ids) or [0],
        "close_cap": _CLOSE_DATE_CAP,
        "far_cap": _FAR_DATE_CAP,
        "name_ids": name_ids,
    }
    params["family_words"] = list(family_words)
    keys = sorted(name_keys(query.birth_name) | name_keys(query.usage_name))
    params["keys"] = keys
    # Status is checked once, on the joined rows: inside the arms it would force heap reads.
    if exact_arms and query.birth_date:
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
        if far and family_words:
            # (c) one digit off and a typo in the name: index-only scan of (birth_date) INCLUDE (id, search_name),
            # the name's words against the lexicon's near ones (a trigram similarity per row cost 10x more).
            arms.append(
                "(SELECT id FROM grc_citizen WHERE birth_date = ANY(%(far)s) AND id <> ALL(%(exclude)s) "
                "AND string_to_array(search_name, ' ') && %(family_words)s::text[] LIMIT %(far_cap)s)"
            )
    if exact_arms and profile.nir:
        params["nir"] = profile.nir
        # (d) the NIR, whatever else differs.
        arms.append("(SELECT id FROM grc_citizen WHERE nir = %(nir)s AND id <> ALL(%(exclude)s) LIMIT 5)")
    if name_ids:
        # (e) the name finder's choice (typos, sounds, particles, usage name; with or without a birth date).
        arms.append("(SELECT unnest(%(name_ids)s::bigint[]) AS id)")
    if not arms:
        return None
    sql = (
        f"SELECT {_CANDIDATE_COLUMNS} FROM ({' UNION '.join(arms)}) ids "  # noqa: S608 - constant SQL, bound values
        f"JOIN grc_citizen c ON c.id = ids.id {_CURRENT_ADDRESS_JOIN} WHERE c.status = 'active'"
    )
    return sql, params


def _fetch_candidates(sql: str, params: dict) -> list[Profile]:
    with connection.cursor() as cursor:
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

    Retrieval is bounded indexed look-ups, never a scan of the table: first the birth date and its
    swapped / one-digit-off variants and the NIR; then, unless those gave a likely duplicate, the one
    citizen finder (``grc.matching.find``) by family and first name (typos, sounds, particles, usage
    name; with no birth date too). The few hundred rows returned are scored in Python
    (``grc.matching.scoring``). ``fuzzy_names=False`` looks the names up as spelled only (bulk
    detection of citizens with a birth date: their misspelled duplicates are found through the birth
    date arms).
    """
    profile = _query_profile(query)
    scored: dict[int, Candidate] = {}
    # The lexicon first (one query): the words near the typed names serve both tiers.
    terms = name_terms(query, profile)
    # Looked up tolerantly even when ``fuzzy_names`` is off: the birth-date arm "one digit off and a typo in
    # the name" needs the words near the family name. The words spelled as typed (the second set) are exactly
    # what a strict look-up would return, so the strict finder gets them without a second query.
    lexicon = lexicon_words(terms, tolerant=True) if terms else None
    family_words = sorted(lexicon[0][0]) if lexicon else []
    if lexicon and not fuzzy_names:
        lexicon = ([set(words) for words in lexicon[1]], lexicon[1])
    # Tier 1, the exact look-ups (one query); tier 2, the name finder, unless tier 1 found a likely duplicate.
    built = _retrieval_sql(
        query=query, profile=profile, exclude_ids=exclude_ids, name_ids=[], family_words=family_words
    )
    if built is not None:
        _score_into(scored, profile, _fetch_candidates(*built))
    if lexicon and not any(c.score >= SUSPICION_THRESHOLD for c in scored.values()):
        name_ids = name_candidate_ids(
            query, profile, exclude_ids=exclude_ids, tolerant=fuzzy_names, terms=terms, lexicon=lexicon
        )
        new_ids = [pk for pk in name_ids if pk not in scored]
        if new_ids:
            built = _retrieval_sql(
                query=query, profile=profile, exclude_ids=exclude_ids, name_ids=new_ids, exact_arms=False
            )
            _score_into(scored, profile, _fetch_candidates(*built))
    found = sorted((c for c in scored.values() if c.score >= min_score), key=lambda c: (-c.score, c.citizen_id))
    return found[:limit]


def _score_into(scored: dict[int, Candidate], profile: Profile, others: list[Profile]) -> None:
    for other in others:
        if other.pk not in scored:
            score, reasons = score_profiles(profile, other)
            scored[other.pk] = Candidate(citizen_id=other.pk, score=score, reasons=reasons)
