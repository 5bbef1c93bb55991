"""The Elasticsearch backend checked as data, without a server: mappings and analyzers, the query body
(the permission filter in the bool filter, facets as aggregations of the filtered set) and bulk payloads.
With ELASTICSEARCH_URL set, the behaviour suite also runs against a real server (conftest.BACKENDS)."""

import datetime

import pytest

from search.backends.elasticsearch import bulk_actions, index_definition, permission_filter, query_body
from search.query import SearchQuery
from search.registry import SearchDoc
from search.scope import UserScope

SCOPE = UserScope(user_id=7, principals=("id", "fu:7", "ft:3", "rt:3", "t:3", "u:7"))


def test_mapping_french_analyzer_folding_and_edge_ngrams():
    definition = index_definition("grc-search-citizen-1").to_dict()
    analysis = definition["settings"]["analysis"]
    assert analysis["analyzer"]["french_folded"]["filter"] == [
        "french_elision",
        "lowercase",
        "asciifolding",
        "french_stop",
        "french_stemmer",
    ]
    assert analysis["filter"]["french_stemmer"] == {"type": "stemmer", "language": "light_french"}
    assert analysis["filter"]["name_edge"] == {"type": "edge_ngram", "min_gram": 2, "max_gram": 15}
    props = definition["mappings"]["properties"]
    assert props["names"]["fields"]["prefix"] == {
        "type": "text",
        "analyzer": "name_prefix",
        "search_analyzer": "name_plain",
    }
    assert props["body"] == {"type": "text", "analyzer": "french_folded"}
    for keyword in ("acl", "acl_restrict", "codes", "kind", "programmes", "status"):
        assert props[keyword] == {"type": "keyword"}


def test_query_body_filters_by_permission_and_counts_only_that():
    body = query_body(SearchQuery(scope=SCOPE, text="violences conjugales"))
    query = body["query"]["bool"]
    assert query["filter"] == permission_filter(SCOPE.principals)
    assert query["filter"][0] == {"terms": {"acl": list(SCOPE.principals)}}
    assert query["filter"][1]["bool"]["should"] == [
        {"term": {"restricted": False}},
        {"terms": {"acl_restrict": list(SCOPE.principals)}},
    ]
    # facets are aggregations of the (filtered) query; no global aggregation that would escape it
    assert set(body["aggs"]) == {"kind", "programme", "status"}
    assert "global" not in str(body["aggs"])
    assert "post_filter" not in body


def test_query_body_exact_codes_first_dates_types_and_filters():
    body = query_body(
        SearchQuery(
            scope=SCOPE,
            text="D-2026-7K3M9Q le goff 12/03/1985",
            kinds=("citizen", "request"),
            filters={"programme": "rsa"},
        )
    )
    should = body["query"]["bool"]["should"]
    assert should[0] == {"constant_score": {"filter": {"terms": {"codes": ["D-2026-7K3M9Q"]}}, "boost": 100}}
    assert {"term": {"birth_date": "1985-03-12"}} in body["query"]["bool"]["must"]
    assert {"terms": {"kind": ["citizen", "request"]}} in body["query"]["bool"]["filter"]
    assert body["post_filter"] == {"bool": {"filter": [{"term": {"programmes": "rsa"}}]}}
    names = [s["match"]["names"] for s in should if "match" in s and "names" in s["match"]]
    assert names and names[0]["fuzziness"] == "AUTO" and names[0]["query"] == "GOFF"


def test_nothing_to_ask_without_scope_or_text():
    assert query_body(SearchQuery(scope=UserScope.nobody(), text="dupont")) is None
    assert query_body(SearchQuery(scope=SCOPE, text="   ")) is None


def test_bulk_payload():
    doc = SearchDoc(
        kind="note",
        object_id=5,
        title="Entretien",
        body="texte",
        acl=["ft:3"],
        acl_restrict=["fu:7"],
        birth_date=datetime.date(1985, 3, 12),
    )
    actions = bulk_actions([doc], deletes={"mail": [9]}, index_for=lambda kind: f"grc-search-{kind}")
    assert actions[0]["_op_type"] == "index" and actions[0]["_id"] == "note:5"
    assert actions[0]["_index"] == "grc-search-note"
    assert actions[0]["_source"]["restricted"] is True and actions[0]["_source"]["acl_restrict"] == ["fu:7"]
    assert actions[0]["_source"]["birth_date"] == "1985-03-12"
    assert actions[1] == {"_op_type": "delete", "_index": "grc-search-mail", "_id": "mail:9"}


@pytest.mark.parametrize("setting, expected", [("", "postgresql"), ("http://es:9200", "elasticsearch")])
def test_backend_chosen_by_settings(settings, setting, expected):
    from search.backends import backend_name

    settings.SEARCH_BACKEND = "auto"
    settings.ELASTICSEARCH_URL = setting
    assert backend_name() == expected
