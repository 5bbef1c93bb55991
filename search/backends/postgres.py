"""PostgreSQL backend: the ``search_document`` table, French full text with ``unaccent``, trigrams.

One query answers a search: capped *arms* collect the candidate documents the user may see (exact
identifiers in ``codes``; full text ``vector @@ websearch_to_tsquery('french_unaccent', …)``;
names word by word through the ``search_name_word`` lexicon and an exact GIN array lookup, with
trigram word similarity over all the names only as a fallback; the birth date), each with
the permission filter in its WHERE — ``acl && principals AND (acl_restrict = '{}' OR acl_restrict
&& principals)`` — so the GIN index on ``(vector, acl)`` returns only rows the user may see. The
candidates are scored (exact identifier ≫ ``ts_rank_cd`` + name similarity + birth date) and the
page, the total and the facets (kind, programme, status) are computed from that same set. A
second, small query fetches the page's rows with ``ts_headline`` snippets.

Counting: each arm stops at ``SEARCH_PG_CANDIDATES`` rows; beyond that ``Results.capped`` is set
and the total and facets are lower bounds (shown as "plus de …"), which keeps a very broad query
(a common word in 500,000 letters) inside the latency budget.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction

from grc.matching.phonetics import phonetic, phonetic_words
from grc.matching.search import search_variants

from ..documents.grc import CITIZEN
from ..models import SearchDocument
from ..query import MARK_END, MARK_START, Hit, Results, SearchQuery, safe_highlight
from ..registry import SearchDoc, kinds
from .base import SearchBackend
from .citizens import finder_citizens

TABLE = SearchDocument._meta.db_table
CONFIG = "french_unaccent"
COLUMNS = (
    "kind",
    "object_id",
    "citizen_id",
    "file_id",
    "territory_id",
    "title",
    "subtitle",
    "body",
    "names",
    "phonetic",
    "codes",
    "birth_date",
    "programmes",
    "status",
    "acl",
    "acl_restrict",
    "sort_date",
)
VECTOR_SQL = (
    f"setweight(to_tsvector('{CONFIG}', s.title), 'A') || "
    f"setweight(to_tsvector('{CONFIG}', coalesce(s.subtitle, '')), 'C') || "
    f"setweight(to_tsvector('{CONFIG}', coalesce(s.body, '')), 'B')"
)
ACL_SQL = "d.acl && %(p)s::text[] AND (d.acl_restrict = '{}' OR d.acl_restrict && %(p)s::text[])"
# The same test written so that it is not an index condition: arms driven by another index (codes,
# names, birth date) check permission on their few rows instead of intersecting the huge ``id``
# posting list (every citizen) of the (vector, acl) GIN index.
ACL_FILTER_SQL = (
    "coalesce(d.acl, '{}') && %(p)s::text[] AND (d.acl_restrict = '{}' OR d.acl_restrict && %(p)s::text[])"
)
WORDS_TABLE = "search_name_word"  # distinct name words and their phonetic keys (migration 0002)
NAME_WORDS_SQL = "string_to_array(d.names, ' ')"  # as the expression of the GIN index search_document_name_words
WORD_THRESHOLD = 0.4  # trigram similarity of a typed word to a name word of the lexicon
MAX_NAME_WORDS = 4
NAME_THRESHOLD = 0.6  # as grc.matching.search.SEARCH_WORD_THRESHOLD: a typo or two in a name still matches
SOUND_THRESHOLD = 0.8  # phonetic keys: names written as heard have (nearly) the same keys
DATE_NAME_SIMILARITY = 0.3  # with the birth date given, the name only has to look vaguely alike
NAME_CANDIDATES = 1000
NAME_GATE = 20  # full-text hits below which names are also looked up by trigrams
HEADLINE_OPTIONS = f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=12, MaxFragments=2"


# French stop words with accents: ``unaccent`` runs before ``french_stem`` in french_unaccent, so "à" reaches
# the stemmer as "a" and is no longer recognised as a stop word — "aide à domicile" then required the lexeme
# 'a' (in nearly every letter) and its huge GIN posting list. They are dropped from the text before it
# becomes a tsquery (the words of PostgreSQL's french.stop that contain an accent).
_ACCENTED_STOP_WORDS = re.compile(
    r"(?<!\w)(?:à|même|été|étée|étées|étés|étant|étante|étants|étantes|êtes|étais|était|étions|étiez|étaient"
    r"|fûmes|fûtes|fût|eûmes|eûtes|eût)(?!\w)",
    re.IGNORECASE,
)


def _fts_text(text: str) -> str:
    return " ".join(_ACCENTED_STOP_WORDS.sub(" ", text).split())


def word_keys(word: str) -> list[str]:
    """The word and, from 4 letters, its one-letter deletions: two words within one typo (a letter dropped,
    added, changed, or two swapped) share a key — "MOERAU" and "MOREAU" share "MORAU", which trigrams
    miss in a short name."""
    if len(word) < 4:
        return [word]
    return sorted({word} | {word[:i] + word[i + 1 :] for i in range(len(word))})


def _array_literal(items: list[str]) -> str:
    """A text[] literal (a list of lists cannot be one parameter: the key lists have different lengths)."""
    return "{" + ",".join('"' + i.replace("\\", "\\\\").replace('"', '\\"') + '"' for i in items) + "}"


def _row(doc: SearchDoc) -> tuple:
    return (
        doc.kind,
        doc.object_id,
        doc.citizen_id,
        doc.file_id,
        doc.territory_id,
        doc.title,
        doc.subtitle,
        doc.body,
        doc.names,
        doc.phonetic,
        doc.codes,
        doc.birth_date,
        doc.programmes,
        doc.status,
        doc.acl,
        doc.acl_restrict,
        doc.sort_date,
    )


class PostgresBackend(SearchBackend):
    name = "postgresql"

    @property
    def cap(self) -> int:
        return getattr(settings, "SEARCH_PG_CANDIDATES", 300)

    # --- writing ---------------------------------------------------------------------------------

    def index(self, docs: Iterable[SearchDoc]) -> int:
        docs_list = list(docs)
        rows = [_row(d) for d in docs_list]
        if not rows:
            return 0
        cols = ", ".join(COLUMNS)
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS[2:])
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS search_document_stage ON COMMIT DELETE ROWS AS "  # noqa: S608
                f"SELECT {cols} FROM {TABLE} WITH NO DATA"
            )
            with cursor.copy(f"COPY search_document_stage ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(
                f"INSERT INTO {TABLE} ({cols}, vector, indexed_at) "  # noqa: S608
                f"SELECT DISTINCT ON (s.kind, s.object_id) {', '.join('s.' + c for c in COLUMNS)}, "
                f"{VECTOR_SQL}, clock_timestamp() "
                f"FROM search_document_stage s ORDER BY s.kind, s.object_id "
                f"ON CONFLICT (kind, object_id) DO UPDATE SET {updates}, "
                "vector = EXCLUDED.vector, indexed_at = clock_timestamp()"
            )
            words = sorted({w for d in docs_list for w in d.names.split()})
            if words:  # the lexicon of name words (sorted: concurrent batches lock keys in the same order)
                cursor.execute(
                    f"INSERT INTO {WORDS_TABLE} (word, phon, keys) "
                    "SELECT w, p, k::text[] FROM unnest(%s::text[], %s::text[], %s::text[]) AS u(w, p, k) "
                    "ON CONFLICT DO NOTHING",
                    [words, [phonetic(w) for w in words], [_array_literal(word_keys(w)) for w in words]],
                )
            cursor.execute("TRUNCATE search_document_stage")
        return len(rows)

    def delete(self, kind: str, ids: Iterable[int]) -> int:
        ids = [int(i) for i in ids]
        if not ids:
            return 0
        return SearchDocument.objects.filter(kind=kind, object_id__in=ids).delete()[0]

    def count(self, kind: str | None = None) -> int:
        qs = SearchDocument.objects.all()
        if kind:
            qs = qs.filter(kind=kind)
        return qs.count()

    def visible(self, scope, kind: str, object_id: int) -> bool:
        if scope.is_empty:
            return False
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT 1 FROM {TABLE} d WHERE d.kind = %(kind)s AND d.object_id = %(id)s AND {ACL_SQL}",  # noqa: S608
                {"kind": kind, "id": object_id, "p": list(scope.principals)},
            )
            return cursor.fetchone() is not None

    def keys_for_citizen(self, citizen_id: int) -> dict[str, list[int]]:
        keys: dict[str, list[int]] = {}
        for kind, object_id in SearchDocument.objects.filter(citizen_id=citizen_id).values_list("kind", "object_id"):
            keys.setdefault(kind, []).append(object_id)
        return keys

    def reindex_finish(self, kind: str, target: str, started_at) -> int:
        """Documents of ``kind`` not rewritten since the run began have no source row any more; then
        fresh statistics, so that the planner knows how selective codes, names and permissions are."""
        removed = SearchDocument.objects.filter(kind=kind, indexed_at__lt=started_at).delete()[0]
        with connection.cursor() as cursor:
            if connection.in_atomic_block:
                cursor.execute(f"ANALYZE {TABLE}")
            else:  # also merges the GIN pending lists a bulk load leaves behind (slow scans otherwise)
                cursor.execute(f"VACUUM ANALYZE {TABLE}")
        return removed

    # --- querying --------------------------------------------------------------------------------

    def build_sql(self, query: SearchQuery) -> tuple[str, dict] | None:
        """The candidate/score/facet SQL and its parameters (None: nothing to look for)."""
        parsed = query.parsed
        if parsed.is_empty or query.scope.is_empty:
            return None
        params: dict = {"p": list(query.scope.principals), "cap": self.cap, "kinds": list(query.kinds)}
        kind_filter = "" if set(query.kinds) >= set(kinds()) else " AND d.kind = ANY(%(kinds)s::text[])"
        sql = _Sql(params=params, where=f"{ACL_FILTER_SQL}{kind_filter}")
        if parsed.codes:
            params["codes"] = list(parsed.codes)
            sql.arms.append(
                f"(SELECT d.id, true AS exact FROM {TABLE} d WHERE d.codes && %(codes)s::text[] AND {sql.where})"
            )
        _fulltext_arm(sql, parsed.text, fts_where=f"{ACL_SQL}{kind_filter}")
        variants = search_variants(parsed.text)[:2] if 0 < len(parsed.text.split()) <= 5 else []
        sql.name_where = sql.where
        if (variants or parsed.birth_date is not None) and _citizen_arm(sql, query, parsed, cap=self.cap):
            sql.name_where = f"{sql.where} AND d.kind <> %(citizen_kind)s"
        if variants:
            _name_arms(sql, variants, name_cap=max(self.cap, NAME_CANDIDATES), by_name=parsed.birth_date is None)
        if parsed.birth_date is not None:
            _birth_date_arm(sql, variants, parsed.birth_date)
        if not sql.arms:
            return None
        return _scored_page_sql(sql, query), params

    def query(self, query: SearchQuery) -> Results:
        built = self.build_sql(query)
        if built is None:
            return Results(hits=[], total=0, facets={"kind": {}, "programme": {}, "status": {}})
        sql, params = built
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true), "
                "set_config('pg_trgm.strict_word_similarity_threshold', %s, true), "
                "set_config('pg_trgm.similarity_threshold', %s, true)",
                [str(NAME_THRESHOLD), str(SOUND_THRESHOLD), str(WORD_THRESHOLD)],
            )
            cursor.execute(sql, params)
            page, total, kind_counts, programmes, statuses, candidates = cursor.fetchone()
            hits = self._page(cursor, page if isinstance(page, list) else json.loads(page), params.get("text", ""))
        load = lambda v: v if isinstance(v, dict) else json.loads(v)  # noqa: E731
        return Results(
            hits=hits,
            total=total,
            facets={"kind": load(kind_counts), "programme": load(programmes), "status": load(statuses)},
            capped=candidates >= self.cap,
        )

    def _page(self, cursor, page: list, text: str) -> list[Hit]:
        if not page:
            return []
        ids = [row[0] for row in page]
        if text:
            headline = (
                f"ts_headline('{CONFIG}', left(body, 20000), websearch_to_tsquery('{CONFIG}', %(text)s), %(options)s)"
            )
        else:
            headline = "''"
        cursor.execute(
            f"SELECT id, kind, object_id, title, subtitle, citizen_id, {headline} "  # noqa: S608
            f"FROM {TABLE} WHERE id = ANY(%(ids)s)",
            {"ids": ids, "text": text, "options": HEADLINE_OPTIONS},
        )
        rows = {r[0]: r for r in cursor.fetchall()}
        hits = []
        for pk, score, exact in page:
            r = rows.get(pk)
            if r is None:
                continue
            snippet = r[6] if r[6] and MARK_START in r[6] else ""
            hits.append(
                Hit(
                    kind=r[1],
                    object_id=r[2],
                    title=r[3],
                    subtitle=r[4],
                    citizen_id=r[5],
                    score=round(float(score), 4),
                    exact=bool(exact),
                    highlight=safe_highlight(snippet) if snippet else "",
                )
            )
        return hits


# --- the search SQL, arm by arm ------------------------------------------------------------------------


@dataclass
class _Sql:
    """The parts of one search query as its arms add them: bound parameters, the candidate arms (and the
    CTEs some read from), the terms of the score, and the gate that keeps the costly name arms for when
    the cheap ones found little."""

    params: dict
    where: str  # the permission filter (and the kinds asked), on rows found through another index
    # The same for the arms that look documents up by name or birth date: citizens are left to the one
    # citizen finder (grc.matching.find) when it ran, so that they rank as everywhere else.
    name_where: str = ""
    citizen_score: str = ""  # the score of a citizen document the finder returned
    arms: list[str] = field(default_factory=list)
    ctes: list[str] = field(default_factory=list)
    scores: list[str] = field(default_factory=lambda: ["CASE WHEN c.exact THEN 100 ELSE 0 END"])
    gate: str = ""


def _citizen_arm(sql: _Sql, query: SearchQuery, parsed, *, cap: int) -> bool:
    """Citizens by name and birth date from the one citizen finder, scored by it (False: it did not run).

    It runs for a user who may search the citizen reference, when citizens are among the kinds asked;
    the permission filter still applies to the documents it names.
    """
    found = finder_citizens(query, cap=cap)
    if found is None:
        return False
    sql.params.update(
        citizen_kind=CITIZEN, cf_ids=[f.citizen_id for f in found], cf_scores=[float(f.score) for f in found]
    )
    sql.arms.append(
        f"(SELECT d.id, false AS exact FROM {TABLE} d WHERE d.kind = %(citizen_kind)s "
        f"AND d.object_id = ANY(%(cf_ids)s::bigint[]) AND {sql.where})"
    )
    # Above the name similarity of a file or a letter (0..1 + full text): the person before their papers;
    # a millionth per rank keeps the finder's order between equal scores (its ties go by citizen id).
    sql.citizen_score = (
        "CASE WHEN d.kind = %(citizen_kind)s AND d.object_id = ANY(%(cf_ids)s::bigint[]) THEN "
        "(CASE WHEN c.exact THEN 100 ELSE 0 END) + 1 + "
        "(%(cf_scores)s::float8[])[array_position(%(cf_ids)s::bigint[], d.object_id)] "
        "- 0.000001 * array_position(%(cf_ids)s::bigint[], d.object_id) ELSE {} END"
    )
    return True


def _fulltext_arm(sql: _Sql, text: str, *, fts_where: str) -> None:
    fts_text = _fts_text(text)
    if not fts_text:
        return
    sql.params["text"] = fts_text
    tsq = f"websearch_to_tsquery('{CONFIG}', %(text)s)"
    sql.ctes.append(
        f"fts AS MATERIALIZED (SELECT d.id, false AS exact FROM {TABLE} d "
        f"WHERE d.vector @@ {tsq} AND {fts_where} LIMIT %(cap)s)"
    )
    sql.arms.append("(SELECT id, exact FROM fts)")
    # The trigram arms (the costly part) only run when full text found few documents: a
    # misspelled or partial name finds nothing in full text; a phrase from a letter finds plenty
    # and is not a name (a PostgreSQL one-time filter: the index scans are skipped).
    sql.params["name_gate"] = NAME_GATE
    sql.gate = "(SELECT count(*) FROM fts) < %(name_gate)s AND "
    sql.scores.append(f"ts_rank_cd(d.vector, {tsq}, 32)")


def _name_arms(sql: _Sql, variants: list[str], *, name_cap: int, by_name: bool) -> None:
    """The name score and, without a birth date (``by_name``), the arms that find documents by name."""
    params = sql.params
    params.update({f"v{i}": v for i, v in enumerate(variants)})
    params["ph"] = phonetic_words(variants[0])
    # names are collected unordered (a GIN scan), then scored: more of them than for full text,
    # so that a common first name does not crowd out the person (grc.matching caps at 1,000 too)
    params["name_cap"] = name_cap
    # as grc.matching.search.search_citizens: how much of the query is in the name, a little credit for
    # nothing else there
    similar = "GREATEST({})".format(
        ", ".join(
            f"0.7 * word_similarity(%(v{i})s, d.names) + 0.3 * similarity(%(v{i})s, d.names)"
            for i in range(len(variants))
        )
    )
    sql.scores.append(
        f"CASE WHEN d.names <> '' THEN GREATEST({similar}, 0.9 * word_similarity(%(ph)s, d.phonetic)) ELSE 0 END"
    )
    if not by_name:
        return
    _lexicon_arm(sql, variants)
    # 2. only when no name holds every word: trigram similarity of the whole text over all
    # the names (the costly part: hundreds of ms on 1.3M names), as before
    sql.gate += "NOT EXISTS (SELECT 1 FROM lex) AND "
    spelled = " OR ".join(f"%(v{i})s <%% d.names" for i in range(len(variants)))
    sql.arms.append(
        f"(SELECT d.id, false AS exact FROM {TABLE} d "
        f"WHERE {sql.gate}({spelled}) AND {sql.name_where} LIMIT %(name_cap)s)"
    )
    sql.arms.append(
        f"(SELECT d.id, false AS exact FROM {TABLE} d "
        f"WHERE {sql.gate}%(ph)s <<%% d.phonetic AND {sql.name_where} LIMIT %(name_cap)s)"
    )


def _lexicon_arm(sql: _Sql, variants: list[str]) -> None:
    """1. word by word: each typed word is matched in the small lexicon of name words (~20,000 on
    grc_bench) — within one typo (shared one-letter deletion), the same sound, or, for a word
    that is no known name, trigram similarity ≥ WORD_THRESHOLD — then the documents holding a
    match for every typed word come from an exact GIN array lookup (a few ms instead of a
    trigram scan over 1.3M names that a common first name fills with thousands of rechecks)."""
    params = sql.params
    lexicon = []
    for i, variant in enumerate(variants):
        conds = []
        for j, word in enumerate(variant.split()[:MAX_NAME_WORDS]):
            params[f"w{i}_{j}"], params[f"k{i}_{j}"] = word, phonetic(word)
            params[f"d{i}_{j}"] = word_keys(word)
            # one branch per index (an OR of the three was planned as a scan of the lexicon)
            conds.append(
                f"{NAME_WORDS_SQL} && (SELECT array_agg(word) FROM ("
                f"SELECT w.word FROM {WORDS_TABLE} w WHERE w.keys && %(d{i}_{j})s::text[] UNION "
                f"SELECT w.word FROM {WORDS_TABLE} w WHERE w.phon = %(k{i}_{j})s UNION "
                f"SELECT w.word FROM {WORDS_TABLE} w WHERE w.word %% %(w{i}_{j})s AND NOT EXISTS "
                f"(SELECT FROM {WORDS_TABLE} x WHERE x.word = %(w{i}_{j})s)) m)"
            )
        lexicon.append(
            f"(SELECT d.id FROM {TABLE} d WHERE {sql.gate}d.names <> '' AND {' AND '.join(conds)} "
            f"AND {sql.name_where} LIMIT %(name_cap)s)"
        )
    sql.ctes.append(f"lex AS MATERIALIZED ({' UNION '.join(lexicon)})")
    sql.arms.append("(SELECT id, false AS exact FROM lex)")


def _birth_date_arm(sql: _Sql, variants: list[str], birth_date) -> None:
    sql.params["bd"] = birth_date
    sql.params["min_sim"] = DATE_NAME_SIMILARITY
    name_ok = ""
    if variants:
        name_ok = " AND ({} OR word_similarity(%(ph)s, d.phonetic) >= 0.8)".format(
            " OR ".join(f"word_similarity(%(v{i})s, d.names) >= %(min_sim)s" for i in range(len(variants)))
        )
    sql.arms.append(
        f"(SELECT d.id, false AS exact FROM {TABLE} d "
        f"WHERE d.birth_date = %(bd)s{name_ok} AND {sql.name_where} LIMIT %(cap)s)"
    )
    sql.scores.append("CASE WHEN d.birth_date = %(bd)s THEN 0.5 ELSE 0 END")


def _scored_page_sql(sql: _Sql, query: SearchQuery) -> str:
    """The candidates of every arm scored once, then the page, the total and the facets from that one set."""
    params = sql.params
    page_filters = ["kind = ANY(%(kinds)s::text[])"]
    if programme := query.filters.get("programme"):
        params["programme"] = programme
        page_filters.append("%(programme)s = ANY(programmes)")
    if status := query.filters.get("status"):
        params["status"] = status
        page_filters.append("status = %(status)s")
    params["limit"], params["offset"] = query.limit, query.offset
    score = " + ".join(sql.scores)
    if sql.citizen_score:
        score = sql.citizen_score.format(score)
    return f"""
WITH {"".join(c + ", " for c in sql.ctes)}cand AS MATERIALIZED ({" UNION ALL ".join(sql.arms)}),
ids AS (SELECT id, bool_or(exact) AS exact, count(*) AS arms FROM cand GROUP BY id),
scored AS MATERIALIZED (
  SELECT d.id, d.kind, d.programmes, d.status, c.exact, d.sort_date, ({score}) AS score
  FROM ids c JOIN {TABLE} d ON d.id = c.id
),
page_set AS (SELECT * FROM scored WHERE {" AND ".join(page_filters)})
SELECT
  (SELECT coalesce(json_agg(json_build_array(id, score, exact)), '[]') FROM (
     SELECT id, score, exact FROM page_set
     ORDER BY score DESC, sort_date DESC NULLS LAST, id LIMIT %(limit)s OFFSET %(offset)s) page),
  (SELECT count(*) FROM page_set),
  (SELECT coalesce(json_object_agg(kind, n), '{{}}') FROM (SELECT kind, count(*) n FROM scored GROUP BY kind) f),
  (SELECT coalesce(json_object_agg(p, n), '{{}}') FROM (
     SELECT unnest(programmes) p, count(*) n FROM scored WHERE kind = ANY(%(kinds)s::text[]) GROUP BY 1) f),
  (SELECT coalesce(json_object_agg(status, n), '{{}}') FROM (
     SELECT status, count(*) n FROM scored WHERE kind = ANY(%(kinds)s::text[]) AND status <> '' GROUP BY 1) f),
  (SELECT count(*) FROM cand)
"""  # noqa: S608 -- every value is a bound parameter; only fixed fragments are formatted in
