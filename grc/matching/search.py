"""The back office's citizen search: free text and/or a birth date, indexed, best first."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction

from grc.matching.candidates import DATE_ARM_NAME_SIMILARITY
from grc.matching.names import PARTICLES, fold, name_keys
from grc.matching.phonetics import phonetic_words
from grc.models import Citizen

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


@dataclass
class SearchHit:
    citizen: Citizen
    score: float


def search_variants(text: str) -> list[str]:
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
    variants = search_variants(query)
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
