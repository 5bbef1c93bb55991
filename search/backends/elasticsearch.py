"""Elasticsearch backend (elasticsearch-dsl), used when ``ELASTICSEARCH_URL`` is set.

- One index per kind behind an alias (``<prefix>-search-<kind>``); a full ``search_reindex`` of a
  kind fills a new concrete index (``…-<kind>-<timestamp>``) and then moves the alias onto it in one
  ``_aliases`` call, so searches keep answering from the old index until the swap.
- Mappings (``SearchDocumentES``): a French analyzer with elision, ``asciifolding``, French stop
  words and light stemming for text; names folded (``asciifolding``) with an edge n-gram subfield
  for prefixes and typos-as-you-type; phonetic keys (``grc.matching``) as whitespace tokens;
  identifiers, permissions and facets as keywords.
- Permission: the ``filter`` of the bool query holds ``terms acl`` (the user's principals, see
  ``search.scope``) and "no ``acl_restrict`` or ``terms acl_restrict``", so hits, ``total`` and the
  aggregations (facets) only ever see documents the user may see. Page filters (type, programme,
  status) are a ``post_filter``, so facets still count the other types the user may see.

The query body, the mappings and the bulk payload are built by plain functions (``query_body``,
``index_definition``, ``bulk_actions``) that the tests check as data without a server.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from elasticsearch import Elasticsearch, helpers
from elasticsearch_dsl import (
    Boolean,
    Date,
    Document,
    Index,
    Keyword,
    Long,
    Text,
    analyzer,
    token_filter,
    tokenizer,
)

from grc.matching.phonetics import phonetic_words
from grc.matching.search import search_variants

from ..documents.grc import CITIZEN
from ..query import MARK_END, MARK_START, Hit, Results, SearchQuery, safe_highlight
from ..registry import SearchDoc, kinds
from .base import SearchBackend
from .citizens import finder_citizens

french_elision = token_filter(
    "french_elision", "elision", articles_case=True, articles=["l", "m", "t", "qu", "n", "s", "j", "d", "c"]
)
french_stop = token_filter("french_stop", "stop", stopwords="_french_")
french_stemmer = token_filter("french_stemmer", "stemmer", language="light_french")
name_edge = token_filter("name_edge", "edge_ngram", min_gram=2, max_gram=15)

french_folded = analyzer(
    "french_folded",
    tokenizer="standard",
    filter=[french_elision, "lowercase", "asciifolding", french_stop, french_stemmer],
)
name_plain = analyzer("name_plain", tokenizer="standard", filter=["lowercase", "asciifolding"])
name_prefix = analyzer("name_prefix", tokenizer="standard", filter=["lowercase", "asciifolding", name_edge])
phonetic_keys = analyzer("phonetic_keys", tokenizer=tokenizer("whitespace_keys", "whitespace"), filter=["lowercase"])


class SearchDocumentES(Document):
    kind = Keyword()
    object_id = Long()
    citizen_id = Long()
    file_id = Long()
    territory_id = Long()
    title = Text(analyzer=french_folded, fields={"names": Text(analyzer=name_plain)})
    subtitle = Text(analyzer=french_folded)
    body = Text(analyzer=french_folded)
    names = Text(analyzer=name_plain, fields={"prefix": Text(analyzer=name_prefix, search_analyzer=name_plain)})
    phonetic = Text(analyzer=phonetic_keys)
    codes = Keyword()
    birth_date = Date(format="yyyy-MM-dd")
    programmes = Keyword()
    status = Keyword()
    acl = Keyword()
    acl_restrict = Keyword()
    restricted = Boolean()
    sort_date = Date()


def alias_name(kind: str) -> str:
    return f"{getattr(settings, 'ELASTICSEARCH_INDEX_PREFIX', 'grc')}-search-{kind}"


def index_definition(name: str) -> Index:
    """The concrete index (settings, analyzers, mappings); ``.to_dict()`` is what is sent on create."""
    index = Index(name)
    index.settings(number_of_shards=1, number_of_replicas=0, max_ngram_diff=15)
    index.document(SearchDocumentES)
    return index


def source(doc: SearchDoc) -> dict:
    return {
        "kind": doc.kind,
        "object_id": doc.object_id,
        "citizen_id": doc.citizen_id,
        "file_id": doc.file_id,
        "territory_id": doc.territory_id,
        "title": doc.title,
        "subtitle": doc.subtitle,
        "body": doc.body,
        "names": doc.names,
        "phonetic": doc.phonetic,
        "codes": doc.codes,
        "birth_date": doc.birth_date.isoformat() if doc.birth_date else None,
        "programmes": doc.programmes,
        "status": doc.status,
        "acl": doc.acl,
        "acl_restrict": doc.acl_restrict,
        "restricted": bool(doc.acl_restrict),
        "sort_date": doc.sort_date.isoformat() if doc.sort_date else None,
    }


def doc_id(kind: str, object_id: int) -> str:
    return f"{kind}:{object_id}"


def bulk_actions(docs: Iterable[SearchDoc] = (), deletes: dict | None = None, index_for=alias_name) -> list[dict]:
    """The ``helpers.bulk`` actions: one ``index`` per document, one ``delete`` per removed id."""
    actions = [
        {"_op_type": "index", "_index": index_for(d.kind), "_id": doc_id(d.kind, d.object_id), "_source": source(d)}
        for d in docs
    ]
    for kind, ids in (deletes or {}).items():
        actions.extend({"_op_type": "delete", "_index": index_for(kind), "_id": doc_id(kind, i)} for i in ids)
    return actions


def permission_filter(principals) -> list[dict]:
    """What every query and count carries: only documents the principals may see."""
    principals = list(principals)
    return [
        {"terms": {"acl": principals}},
        {
            "bool": {
                "should": [{"term": {"restricted": False}}, {"terms": {"acl_restrict": principals}}],
                "minimum_should_match": 1,
            }
        },
    ]


# A citizen the finder returned scores CITIZEN_BASE + CITIZEN_SPREAD x its finder score (0..1), less a little
# per rank (its order between equal scores): above a name match on a file or a letter, as on PostgreSQL.
CITIZEN_BASE = 50.0
CITIZEN_SPREAD = 10.0
CITIZEN_CAP = 100  # citizens pinned in one request (one small clause each)


def citizen_clauses(found, codes: list[str]) -> list[dict]:
    """One constant-score clause per citizen the finder returned (``grc.matching.find.Found``, best first):
    the finder's order and score, not Elasticsearch's, rank the people; an identifier typed still adds 100."""
    clauses = [
        {
            "constant_score": {
                "filter": {"ids": {"values": [doc_id(CITIZEN, f.citizen_id)]}},
                "boost": round(CITIZEN_BASE + CITIZEN_SPREAD * float(f.score) - 0.001 * rank, 4),
            }
        }
        for rank, f in enumerate(found[:CITIZEN_CAP])
    ]
    if codes:
        clauses.append({"constant_score": {"filter": {"terms": {"codes": codes}}, "boost": 100}})
    return clauses


def _name_clauses(parsed) -> list[dict]:
    """Names typed (fuzzy, as a prefix, as they sound) and the birth date."""
    clauses: list[dict] = []
    variants = search_variants(parsed.text) if parsed.text and len(parsed.text.split()) <= 5 else []
    for variant in variants:
        clauses.append({"match": {"names": {"query": variant, "fuzziness": "AUTO", "operator": "and", "boost": 2}}})
        clauses.append({"match": {"names.prefix": {"query": variant, "operator": "and"}}})
    if variants:
        clauses.append({"match": {"phonetic": {"query": phonetic_words(variants[0]), "operator": "and"}}})
    if parsed.birth_date is not None:
        clauses.append({"term": {"birth_date": {"value": parsed.birth_date.isoformat(), "boost": 2}}})
    return clauses


def _should(parsed, citizens) -> list[dict]:
    """The scoring clauses: identifiers typed, full text, names; when the finder ran (``citizens`` not None)
    the name clauses leave citizens out and the finder's citizens come with its own scores."""
    should: list[dict] = []
    if parsed.codes:
        should.append({"constant_score": {"filter": {"terms": {"codes": list(parsed.codes)}}, "boost": 100}})
    if parsed.text:
        should.append(
            {
                "multi_match": {
                    "query": parsed.text,
                    "fields": ["title^3", "subtitle", "body"],
                    "type": "best_fields",
                    "operator": "and",
                }
            }
        )
    names = _name_clauses(parsed)
    if citizens is None:
        return should + names
    if names:
        not_citizens = {"term": {"kind": CITIZEN}}
        should.append({"bool": {"should": names, "minimum_should_match": 1, "must_not": [not_citizens]}})
    if not citizens:
        return should
    pinned = {"ids": {"values": [doc_id(CITIZEN, f.citizen_id) for f in citizens[:CITIZEN_CAP]]}}
    others = [{"bool": {"should": should, "minimum_should_match": 1, "must_not": [pinned]}}] if should else []
    return [*others, {"bool": {"filter": [pinned], "should": citizen_clauses(citizens, list(parsed.codes))}}]


def query_body(query: SearchQuery, *, track_total: int = 1000, citizens=None) -> dict | None:
    """The search request body for ``query`` (None: nothing to look for).

    ``citizens``: what the one citizen finder returned for the query (``search.backends.citizens``), or
    None when it did not run. When it ran, the citizens it found score by its order alone, and the name
    clauses look at the other kinds only (a citizen it did not return can still come by an identifier or
    the full text, as on PostgreSQL).
    """
    parsed = query.parsed
    if parsed.is_empty or query.scope.is_empty:
        return None
    should = _should(parsed, citizens)
    if not should:
        return None
    filters = permission_filter(query.scope.principals)
    if set(query.kinds) < set(kinds()):
        filters.append({"terms": {"kind": list(query.kinds)}})
    must: list[dict] = []
    if parsed.birth_date is not None and parsed.text:
        # name + birth date: both must agree (as on PostgreSQL), the date exactly, the name loosely
        must.append({"term": {"birth_date": parsed.birth_date.isoformat()}})
    post_filter: list[dict] = []
    if programme := query.filters.get("programme"):
        post_filter.append({"term": {"programmes": programme}})
    if status := query.filters.get("status"):
        post_filter.append({"term": {"status": status}})
    body = {
        "query": {"bool": {"filter": filters, "must": must, "should": should, "minimum_should_match": 1}},
        "aggs": {
            "kind": {"terms": {"field": "kind", "size": 10}},
            "programme": {"terms": {"field": "programmes", "size": 20}},
            "status": {"terms": {"field": "status", "size": 20}},
        },
        "highlight": {
            "pre_tags": [MARK_START],
            "post_tags": [MARK_END],
            "fields": {"body": {"fragment_size": 160, "number_of_fragments": 2}},
        },
        "sort": ["_score", {"sort_date": {"order": "desc", "missing": "_last"}}],
        "track_total_hits": track_total,
        "from": query.offset,
        "size": query.limit,
        "_source": ["kind", "object_id", "title", "subtitle", "citizen_id"],
    }
    if post_filter:
        body["post_filter"] = {"bool": {"filter": post_filter}}
    return body


class ElasticsearchBackend(SearchBackend):
    name = "elasticsearch"

    def __init__(self):
        self.client = Elasticsearch(settings.ELASTICSEARCH_URL, request_timeout=30)

    def _aliases(self) -> str:
        return ",".join(alias_name(k) for k in kinds())

    def ensure_indexes(self) -> None:
        for kind in kinds():
            if not self.client.indices.exists_alias(name=alias_name(kind)):
                name = self._new_index(kind)
                self.client.indices.put_alias(index=name, name=alias_name(kind))

    def _new_index(self, kind: str) -> str:
        name = f"{alias_name(kind)}-{datetime.datetime.now(datetime.UTC):%Y%m%d%H%M%S%f}"
        definition = index_definition(name).to_dict()
        self.client.indices.create(index=name, settings=definition["settings"], mappings=definition["mappings"])
        return name

    def _bulk(self, actions: list[dict]) -> None:
        if actions:
            helpers.bulk(self.client, actions, raise_on_error=False, refresh="wait_for")

    def index(self, docs: Iterable[SearchDoc]) -> int:
        self.ensure_indexes()
        actions = bulk_actions(docs)
        self._bulk(actions)
        return len(actions)

    def delete(self, kind: str, ids: Iterable[int]) -> int:
        self.ensure_indexes()
        actions = bulk_actions(deletes={kind: list(ids)})
        self._bulk(actions)
        return len(actions)

    def count(self, kind: str | None = None) -> int:
        self.ensure_indexes()
        index = alias_name(kind) if kind else self._aliases()
        return self.client.count(index=index)["count"]

    def visible(self, scope, kind: str, object_id: int) -> bool:
        if scope.is_empty or kind not in kinds():
            return False
        self.ensure_indexes()
        filters = [*permission_filter(scope.principals), {"ids": {"values": [doc_id(kind, object_id)]}}]
        return self.client.count(index=alias_name(kind), query={"bool": {"filter": filters}})["count"] > 0

    def keys_for_citizen(self, citizen_id: int) -> dict[str, list[int]]:
        self.ensure_indexes()
        found = self.client.search(
            index=self._aliases(),
            query={"term": {"citizen_id": citizen_id}},
            size=10_000,
            source=["kind", "object_id"],
        )
        keys: dict[str, list[int]] = {}
        for hit in found["hits"]["hits"]:
            keys.setdefault(hit["_source"]["kind"], []).append(hit["_source"]["object_id"])
        return keys

    def query(self, query: SearchQuery) -> Results:
        body = query_body(query, citizens=finder_citizens(query, cap=CITIZEN_CAP))
        if body is None:
            return Results(hits=[], total=0, facets={"kind": {}, "programme": {}, "status": {}})
        self.ensure_indexes()
        answer = self.client.search(index=self._aliases(), **body)
        hits = []
        for h in answer["hits"]["hits"]:
            src = h["_source"]
            fragments = h.get("highlight", {}).get("body", [])
            hits.append(
                Hit(
                    kind=src["kind"],
                    object_id=src["object_id"],
                    title=src["title"],
                    subtitle=src.get("subtitle", ""),
                    citizen_id=src.get("citizen_id"),
                    score=round(float(h.get("_score") or 0), 4),
                    exact=bool(set(query.parsed.codes) and (h.get("_score") or 0) >= 100),
                    highlight=safe_highlight(" … ".join(fragments)) if fragments else "",
                )
            )
        aggs = answer.get("aggregations", {})
        facets = {
            name: {b["key"]: b["doc_count"] for b in aggs.get(name, {}).get("buckets", [])}
            for name in ("kind", "programme", "status")
        }
        total = answer["hits"]["total"]
        return Results(hits=hits, total=total["value"], facets=facets, capped=total["relation"] == "gte")

    # full reindex: a new index per kind, alias swapped at the end
    def reindex_begin(self, kind: str, target: str = "") -> str:
        self.ensure_indexes()
        return self._new_index(kind)

    def reindex_index(self, target: str, docs: list[SearchDoc]) -> int:
        actions = bulk_actions(docs, index_for=lambda kind: target)
        self._bulk(actions)
        return len(actions)

    def reindex_finish(self, kind: str, target: str, started_at) -> int:
        alias = alias_name(kind)
        old = (
            list(self.client.indices.get_alias(name=alias).keys())
            if self.client.indices.exists_alias(name=alias)
            else []
        )
        actions = [{"remove": {"index": name, "alias": alias}} for name in old if name != target]
        actions.append({"add": {"index": target, "alias": alias}})
        self.client.indices.update_aliases(actions=actions)
        for name in old:
            if name != target:
                self.client.indices.delete(index=name)
        return 0

    # tests
    def reset(self) -> None:
        self.drop()
        self.ensure_indexes()

    def drop(self) -> None:
        prefix = getattr(settings, "ELASTICSEARCH_INDEX_PREFIX", "grc")
        self.client.indices.delete(index=f"{prefix}-search-*", ignore_unavailable=True)
