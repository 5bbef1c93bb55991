"""The one citizen finder: a person by name (free text, or family and first names), birth date, commune.

Every place that looks a person up goes through ``citizen_find`` or its retrieval step
``name_probe``: the back office's "Usagers" search and ``GET /api/v1/citizens`` (through
``grc.matching.search.search_citizens`` and the ``citizens_search`` selector), the global search
box's citizen results (``search.backends.postgres``), identity matching's candidate step
(``grc.matching.candidates.match``) and so the mail suggestions. One place to tune.

How a name is found, at a million citizens, in a few milliseconds:

1. Each typed word (particles glued to the next word as an extra form: "le goff" → GOFF, LEGOFF) is
   matched against the lexicon of name words (``grc_name_word``, tens to hundreds of thousands of rows,
   kept by triggers on ``grc_citizen``): the same word, a word one edit away (a letter dropped,
   doubled, changed, two swapped: the words share a one-letter deletion), the same French phonetic
   key, or, for a word with none of those, trigram similarity.
2. The citizens holding a matching word for every typed word come from one GIN lookup on the array
   of their name words (``citizen_name_words``), ordered in SQL by how many typed words they hold
   as spelled, capped.
3. Those few hundred rows are ranked here, word by word (``rank_rows``): exact, one edit, same sound,
   two edits; the first given name and a family name found; order of the words as typed.

Bag of words: a first name typed first, given names in another order, a usage name for a birth name
all find the person. The caller checks permissions and writes the access log (selectors).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import jellyfish
from django.db import connection

from grc.matching.names import PARTICLES, fold, name_keys, normalise_name
from grc.matching.phonetics import phonetic

# Tuning, in one place (tests/grc/test_matching_find.py pins the behaviour; bench/identity.py the figures).
MAX_TERMS = 6  # words of a query used to look up (a longer text is not a name)
PROBE_CAP = 200  # citizens the name probe hands to the ranking, best coarse score first
PROBE_SCAN_CAP = 4000  # rows the probe may order in SQL: bounds two very common names typed together
RELAXED_SCAN_CAP = 1000  # the same, for the fallback probe that lets one typed word go unmatched
DATE_CAP = 500  # citizens born on one day (a few dozen at a million): all of them are ranked
# Trigram similarity of an unknown typed word to a lexicon word. The index scan itself (grc_name_word_similar,
# migration grc.0012) cuts at 0.45: a higher value here is applied after it, a lower one needs the function too.
WORD_TRIGRAM = 0.45
# Similarity of one typed word to one stored word.
SIM_EXACT = 1.0
SIM_FORM = 0.95  # another form of the word: particle glued or dropped (LEGOFF / GOFF; but also DUPONT / PONT)
SIM_ONE_EDIT = 0.9
SIM_SOUND = 0.88
SIM_TWO_EDITS = 0.8
SIM_OTHER_CAP = 0.6  # anything else: Jaro-Winkler, capped (another name that merely looks alike)
# Score of a citizen: the mean word similarity, plus what makes the stored name the one typed.
W_WORDS = 0.88
BONUS_FAMILY = 0.04  # a family name is among the words found
BONUS_FIRST = 0.04  # the first given name is among the words found (LOUIS: "Louis", before "Jean, Louis")
BONUS_ORDER = 0.02  # the first typed word is a family name (or a given name where the caller said so)
PENALTY_EXTRA_WORD = 0.01  # per stored word nobody typed, up to PENALTY_EXTRA_CAP
PENALTY_EXTRA_CAP = 0.03
BONUS_COMMUNE = 0.03  # lives in the commune asked for
BONUS_YEAR = 0.05  # born in the year asked for: above every namesake born another year, below a closer name
FOUND_MIN = 0.8  # with a birth date: the name must hold at least one word this close
_FOUND_ANY = 0.85  # a word counted as found (bonuses, extra words)


@dataclass(frozen=True)
class Term:
    """One typed word: its forms looked up tolerantly (as typed; with a particle glued to it), those looked
    up as spelled only (a glued particle taken off: LEGOFF → GOFF, which one edit away would be noise),
    and its role."""

    text: str
    forms: tuple[str, ...]
    role: str = ""  # "family", "first", or "" (free text)
    strict_forms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Found:
    """A citizen found, and how well the name (and birth date, commune) fit: 0..1, 3 decimals."""

    citizen_id: int
    score: float


@dataclass
class Row:
    citizen_id: int
    family: tuple[str, ...]  # family words (birth then usage name), particles removed
    firsts: tuple[str, ...]  # given-name words, in civil-status order
    birth_date: datetime.date | None


def terms_of(text: str, role: str = "") -> list[Term]:
    """The words of a typed name, particles glued to the word after them as an extra form."""
    words = fold(text).split()
    if all(w in PARTICLES for w in words):
        return [Term(w, (w,), role) for w in words]
    terms, pending = [], ""
    for word in words:
        if word in PARTICLES:
            pending += word
            continue
        forms, strict = {word}, set()
        if role != "first":
            if pending:
                forms.add(pending + word)
            strict = {k for k in _unglued(word) if k not in forms}
        terms.append(Term(word, tuple(sorted(forms)), role, tuple(sorted(strict))))
        pending = ""
    return terms


def _unglued(word: str) -> set[str]:
    """The word without one glued particle in front: LEGOFF → GOFF, DELAFONTAINE → FONTAINE, LELAY → LAY.

    Three letters are enough (LE LAY, LE ROY, DU VAL are stored as LAY, ROY, VAL): these forms are looked
    up as spelled only, so a short one adds its bearers, not the words one edit away from it."""
    return {k for k in name_keys(word) if " " not in k and len(k) >= 3 and word.endswith(k)} - {word}


def query_terms(*, query: str = "", last_name: str = "", first_names: str = "") -> list[Term]:
    """Terms of a free-text query, or of a family name and first names given apart."""
    if query:
        terms = terms_of(query)
    else:
        terms = terms_of(last_name, "family") + terms_of(first_names, "first")
    unique = list({t.text: t for t in terms}.values())
    return unique[:MAX_TERMS]


# --- 1. the lexicon ------------------------------------------------------------------------------------

_LEXICON_SQL = """
WITH f AS (
    SELECT * FROM unnest(%(idx)s::int[], %(forms)s::text[], %(phons)s::text[], %(tolerant)s::bool[])
        AS f(i, form, phon, tolerant)
), near AS (
    SELECT f.i, f.form, w.word FROM f CROSS JOIN LATERAL (
        SELECT word FROM grc_name_word WHERE word = f.form
        UNION SELECT word FROM grc_name_word WHERE f.tolerant AND keys && grc_deletion_keys(f.form)
        UNION SELECT word FROM grc_name_word WHERE f.tolerant AND phon = f.phon
    ) w
), far AS (
    -- Trigrams only for a word with nothing spelled alike, one edit away or sounding alike: those arms cost
    -- a fraction of a millisecond, a trigram scan of the lexicon tens (the posting lists of common trigrams).
    SELECT f.i, f.form, s.word FROM f CROSS JOIN LATERAL grc_name_word_similar(
        CASE WHEN f.tolerant AND NOT EXISTS (SELECT FROM near n WHERE n.i = f.i AND n.form = f.form)
             THEN f.form END, 20
    ) s WHERE similarity(s.word, f.form) >= %(trgm)s
)
SELECT i, word, word = form AS exact FROM near UNION SELECT i, word, word = form FROM far
"""


def lexicon_words(terms: list[Term], *, tolerant: bool = True) -> tuple[list[set[str]], list[set[str]]]:
    """For each term, the stored words it may denote, and those spelled as typed (one query)."""
    idx, forms, phons, tolerants = [], [], [], []
    for i, term in enumerate(terms):
        for form, loose in [(f, True) for f in term.forms] + [(f, False) for f in term.strict_forms]:
            idx.append(i)
            forms.append(form)
            phons.append(phonetic(form))
            # A form of two letters or less is looked up as typed: one edit away is any short word.
            tolerants.append(tolerant and loose and len(form) > 2)
    near: list[set[str]] = [set() for _ in terms]
    exact: list[set[str]] = [set() for _ in terms]
    with connection.cursor() as cursor:
        cursor.execute(
            _LEXICON_SQL, {"idx": idx, "forms": forms, "phons": phons, "tolerant": tolerants, "trgm": WORD_TRIGRAM}
        )
        for i, word, is_exact in cursor.fetchall():
            near[i].add(word)
            if is_exact:
                exact[i].add(word)
    return near, exact


# --- 2. the probe ---------------------------------------------------------------------------------------

_ROW_COLUMNS = "id, norm_birth_name, norm_usage_name, norm_first_names, birth_date"
WORDS_SQL = "string_to_array(search_name, ' ')"  # the expression of the GIN index citizen_name_words


def _probe_sql(required: list[list[int]], *, status: str, scan_cap: int, year: bool = False) -> str:
    """Citizens holding a match for each term of one of the ``required`` sets, best coarse score first.

    The coarse score keeps the rows the ranking would put first: born in the year asked for (``year``),
    words spelled as typed, a family name among the words found (2), the first given name among them (1);
    then the shorter names.
    """
    arms = []
    for needed in required:
        conds = " AND ".join(f"{WORDS_SQL} && %(m{i})s::text[]" for i in needed)
        arms.append(
            f"(SELECT {_ROW_COLUMNS}, {WORDS_SQL} AS words FROM grc_citizen "  # noqa: S608 - fixed fragments
            f"WHERE {conds} {status} AND id <> ALL(%(exclude)s) LIMIT {int(scan_cap)})"
        )
    coarse = " + ".join(f"(words && %(e{i})s::text[])::int" for i in sorted({i for r in required for i in r}))
    coarse += (
        " + 2 * (string_to_array(norm_birth_name || ' ' || norm_usage_name, ' ') && %(all)s::text[])::int"
        " + (split_part(norm_first_names, ' ', 1) = ANY(%(all)s::text[]))::int"
    )
    if year:  # first: the namesakes born that year must not be cut by the cap (a common name has thousands)
        coarse += " + 100 * (birth_date >= %(y0)s AND birth_date < %(y1)s)::int"
    return (
        f"SELECT {_ROW_COLUMNS} FROM ({' UNION '.join(arms)}) c "  # noqa: S608 - fixed fragments, bound values
        f"ORDER BY {coarse} DESC, cardinality(words), id LIMIT %(cap)s"
    )


def name_probe(
    terms: list[Term],
    *,
    cap: int | None = None,
    exclude_ids=(),
    include_merged: bool = False,
    tolerant: bool = True,
    relax: bool = True,
    lexicon: tuple[list[set[str]], list[set[str]]] | None = None,
    birth_year: int | None = None,
) -> list[Row]:
    """Citizens whose names hold every typed word (spelled alike, one edit away, or sounding alike).

    Two queries (the lexicon, then one GIN lookup); when nobody holds every word and ``relax``, a
    third lets one typed word go unmatched (a given name or a usage name the reference does not have).
    ``tolerant=False``: the words as spelled only. ``lexicon``: what ``lexicon_words`` already gave for
    these terms (identity matching looks it up first for its birth-date arms). ``birth_year``: those born
    that year first (the cap never cuts them).
    """
    if not terms:
        return []
    near, exact = lexicon if lexicon is not None else lexicon_words(terms, tolerant=tolerant)
    usable = [i for i, words in enumerate(near) if words]
    if not usable:
        return []
    # Read at call time (not as a default value), so that tuning the module constant reaches every caller.
    params: dict = {"cap": PROBE_CAP if cap is None else cap, "exclude": [int(i) for i in exclude_ids] or [0]}
    params["all"] = sorted(set().union(*near))
    for i in usable:
        params[f"m{i}"], params[f"e{i}"] = sorted(near[i]), sorted(exact[i])
    status = "" if include_merged else "AND status = 'active'"
    year = birth_year is not None
    if year:
        params["y0"], params["y1"] = datetime.date(birth_year, 1, 1), datetime.date(birth_year + 1, 1, 1)
    with connection.cursor() as cursor:
        cursor.execute(_probe_sql([usable], status=status, scan_cap=PROBE_SCAN_CAP, year=year), params)
        rows = cursor.fetchall()
        if not rows and relax and len(usable) >= 2:
            relaxed = [[i for i in usable if i != left_out] for left_out in usable]
            cursor.execute(_probe_sql(relaxed, status=status, scan_cap=RELAXED_SCAN_CAP, year=year), params)
            rows = cursor.fetchall()
    return [_row(*r) for r in rows]


def _row(pk, birth, usage, firsts, birth_date) -> Row:
    family = tuple(dict.fromkeys(w for w in f"{birth} {usage}".split() if w))
    return Row(citizen_id=pk, family=family, firsts=tuple(firsts.split()), birth_date=birth_date)


def date_rows(birth_date: datetime.date, *, exclude_ids=(), include_merged: bool = False) -> list[Row]:
    """Every citizen born that day (the birth date btree: a few dozen at a million)."""
    status = "" if include_merged else "AND status = 'active'"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {_ROW_COLUMNS} FROM grc_citizen WHERE birth_date = %(day)s {status} "  # noqa: S608
            "AND id <> ALL(%(exclude)s) ORDER BY norm_birth_name, norm_first_names, id LIMIT %(cap)s",
            {"day": birth_date, "exclude": [int(i) for i in exclude_ids] or [0], "cap": DATE_CAP},
        )
        return [_row(*r) for r in cursor.fetchall()]


# --- 3. the ranking -------------------------------------------------------------------------------------


def word_similarity(term: Term, word: str) -> float:
    """How close a stored word is to a typed one: as typed, another form, one edit, same sound, two edits."""
    if word == term.text:
        return SIM_EXACT
    if word in term.forms or word in term.strict_forms:
        return SIM_FORM
    distance = min(jellyfish.damerau_levenshtein_distance(form, word) for form in term.forms)
    if distance == 1 and min(len(word), len(term.text)) >= 3:
        return SIM_ONE_EDIT
    sound = phonetic(word)
    if sound and any(phonetic(form) == sound for form in term.forms):
        return SIM_SOUND
    if distance == 2 and min(len(word), len(term.text)) >= 6:
        return SIM_TWO_EDITS
    return min(max(jellyfish.jaro_winkler_similarity(form, word) for form in term.forms) * 0.7, SIM_OTHER_CAP)


def row_score(terms: list[Term], row: Row, memo: dict | None = None) -> float:
    """The score of one citizen for the typed words (see the module docstring); 0 without terms.

    ``memo`` keeps word similarities across the rows of one query (they share most of their words).
    """
    memo = {} if memo is None else memo
    if not terms:
        return 0.0
    stored = [(w, "family") for w in row.family] + [(w, "first") for w in row.firsts]
    if not stored:
        return 0.0
    found_words, total, family_found, first_found = set(), 0.0, False, False
    order = 0.0
    for position, term in enumerate(terms):
        best, best_word, best_role = 0.0, "", ""
        for word, role in stored:
            similarity = memo.get((position, word))
            if similarity is None:
                similarity = memo[(position, word)] = word_similarity(term, word)
            if similarity > best or (similarity == best and term.role == role):
                best, best_word, best_role = similarity, word, role
        total += best
        if best >= _FOUND_ANY:
            found_words.add(best_word)
            family_found |= best_role == "family"
            first_found |= bool(row.firsts) and best_word == row.firsts[0]
            if position == 0 and (best_role == term.role or (not term.role and best_role == "family")):
                order = BONUS_ORDER
    extra = sum(1 for w, _ in stored if w not in found_words)
    score = W_WORDS * total / len(terms)
    score += BONUS_FAMILY * family_found + BONUS_FIRST * first_found + order
    score -= min(PENALTY_EXTRA_WORD * extra, PENALTY_EXTRA_CAP)
    return round(max(0.0, min(1.0, score)), 3)


def rank_rows(
    terms: list[Term], rows: list[Row], *, nearby: set[int] = frozenset(), birth_year: int | None = None
) -> list[Found]:
    """Rows scored and sorted best first (ties: by id, so that the order is stable)."""
    found, memo = [], {}
    for row in rows:
        score = row_score(terms, row, memo) if terms else 1.0
        if row.citizen_id in nearby:
            score = round(min(1.0, score + BONUS_COMMUNE), 3)
        if birth_year is not None and row.birth_date is not None and row.birth_date.year == birth_year:
            score = round(min(1.0, score + BONUS_YEAR), 3)
        found.append(Found(citizen_id=row.citizen_id, score=score))
    if terms:  # without a name (a birth date alone) the rows keep their order: by name
        found.sort(key=lambda f: (-f.score, f.citizen_id))
    else:
        found.sort(key=lambda f: -f.score)
    return found


def _in_commune(commune, ids: list[int]) -> set[int]:
    """Those of ``ids`` whose current address is in ``commune`` (a ``grc.Commune`` or an INSEE code)."""
    if commune is None or not ids:
        return set()
    code = getattr(commune, "code", commune)
    postcodes = list(getattr(commune, "postcodes", None) or [])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT citizen_id FROM grc_address WHERE citizen_id = ANY(%(ids)s) AND end_date IS NULL "
            "AND (insee_code = %(code)s OR postcode = ANY(%(postcodes)s::text[]))",
            {"ids": ids, "code": str(code), "postcodes": postcodes},
        )
        return {pk for (pk,) in cursor.fetchall()}


def citizen_find(
    *,
    query: str = "",
    last_name: str = "",
    first_names: str = "",
    birth_date: datetime.date | None = None,
    birth_year: int | None = None,
    commune=None,
    limit: int = 25,
    include_merged: bool = False,
    exclude_ids=(),
) -> list[Found]:
    """Citizens best matching a name (free text ``query``, or ``last_name`` and ``first_names``), best first.

    With a ``birth_date``: everyone born that day whose name holds a word close to one typed (or
    everyone born that day, ordered by name, when no name is typed). With a ``birth_year`` (and no
    date): those born that year rank higher (what an agent adds for a common name). With a ``commune`` (a
    ``grc.Commune`` or its INSEE code): those living there rank a little higher. Merged records only
    with ``include_merged``. No permission check and no access log: callers are selectors that do both.
    """
    terms = query_terms(query=query, last_name=last_name, first_names=first_names)
    if birth_date is not None:
        rows = date_rows(birth_date, exclude_ids=exclude_ids, include_merged=include_merged)
        if terms:
            rows = [r for r in rows if _has_close_word(terms, r)]
    elif terms:
        rows = name_probe(terms, exclude_ids=exclude_ids, include_merged=include_merged, birth_year=birth_year)
    else:
        return []
    nearby = _in_commune(commune, [r.citizen_id for r in rows])
    year = birth_year if birth_date is None else None
    return rank_rows(terms, rows, nearby=nearby, birth_year=year)[:limit]


def _has_close_word(terms: list[Term], row: Row) -> bool:
    words = row.family + row.firsts
    return any(word_similarity(term, word) >= FOUND_MIN for term in terms for word in words)


# --- names spotted in a text ------------------------------------------------------------------------------

_KNOWN_PAIRS_SQL = """
SELECT p.i FROM unnest(%(family)s::text[], %(first)s::text[], %(i)s::int[]) AS p(family, first, i)
WHERE EXISTS (
    SELECT FROM grc_citizen c WHERE c.norm_birth_name = p.family AND c.status = 'active'
    AND (c.norm_first_names = p.first
         OR (c.norm_first_names ~>=~ (p.first || ' ') AND c.norm_first_names ~<~ (p.first || '!')))
) OR EXISTS (
    SELECT FROM grc_citizen c WHERE c.norm_usage_name = p.family AND c.status = 'active'
    AND (c.norm_first_names = p.first
         OR (c.norm_first_names ~>=~ (p.first || ' ') AND c.norm_first_names ~<~ (p.first || '!')))
)
"""


def known_name_pairs(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Those of ``pairs`` (family name, first name) that an active citizen bears, in the given order.

    One query of equality probes on the family-name indexes, whatever the number of pairs: what a letter's
    free text holds ("la femme de Hervé Gautier") is told from ordinary words by the reference itself.
    """
    family, first, index = [], [], []
    for i, (name, given) in enumerate(pairs):
        norm, folded = normalise_name(name), fold(given)
        if norm and folded:
            family.append(norm)
            first.append(folded)
            index.append(i)
    if not index:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_KNOWN_PAIRS_SQL, {"family": family, "first": first, "i": index})
        found = {row[0] for row in cursor.fetchall()}
    return [pair for i, pair in enumerate(pairs) if i in found]


_INITIAL_PAIRS_SQL = """
SELECT DISTINCT p.i, split_part(c.norm_first_names, ' ', 1) FROM unnest(%(family)s::text[], %(initial)s::text[],
    %(i)s::int[]) AS p(family, initial, i)
JOIN grc_citizen c ON (c.norm_birth_name = p.family OR c.norm_usage_name = p.family)
WHERE c.status = 'active' AND c.norm_first_names ~>=~ p.initial AND c.norm_first_names ~<~ (p.initial || '[')
ORDER BY 1, 2 LIMIT 20
"""


def initial_name_pairs(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(family name, first given name) of the active citizens bearing a family name of ``pairs`` and a first
    name starting with its initial ("V. Lemoine" -> LEMOINE VERONIQUE), in the order of ``pairs``; at most 20."""
    asked = [(normalise_name(name), fold(letter)) for name, letter in pairs]
    asked = [(norm, letter) for norm, letter in asked if norm and len(letter) == 1]
    if not asked:
        return []
    family, initial = [list(column) for column in zip(*asked, strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(_INITIAL_PAIRS_SQL, {"family": family, "initial": initial, "i": list(range(len(asked)))})
        return [(family[i], first) for i, first in cursor.fetchall()]
