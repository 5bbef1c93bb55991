"""The global search box's citizens come from the one citizen finder (grc.matching.find) on either backend.
PostgreSQL is checked end to end in tests/grc/test_matching_find_callers.py; here the Elasticsearch request
is checked as data, without a server: the finder's citizens pinned in its order with its scores, the name
clauses looking at the other kinds only, and nothing pinned for a user who may not search citizens."""

import datetime

import pytest

from grc.matching.find import citizen_find
from search.backends.citizens import finder_citizens
from search.backends.elasticsearch import CITIZEN_BASE, CITIZEN_SPREAD, query_body
from search.query import SearchQuery
from search.scope import UserScope
from tests.factories import CitizenFactory

BIRTH = datetime.date(1984, 3, 7)
WITH_CITIZENS = UserScope(user_id=7, principals=("id", "ft:3", "u:7"))
WITHOUT = UserScope(user_id=8, principals=("ft:3", "u:8"))


@pytest.fixture
def three(db):
    """LEFEVRE, LEFEBVRE (one letter more) and LEFAIVRE (sounds the same), all Marie."""
    return [
        CitizenFactory(birth_name=name, first_names="Marie", birth_date=BIRTH + datetime.timedelta(days=i))
        for i, name in enumerate(("Lefaivre", "Lefebvre", "Lefevre"))
    ]


def _pinned(body: dict) -> list[tuple[str, float]]:
    """The (document id, boost) of each citizen the request pins, in the request's order."""
    found = [c for c in body["query"]["bool"]["should"] if "filter" in c.get("bool", {})]
    assert len(found) == 1
    return [
        (clause["constant_score"]["filter"]["ids"]["values"][0], clause["constant_score"]["boost"])
        for clause in found[0]["bool"]["should"]
        if "ids" in clause["constant_score"]["filter"]
    ]


def test_elasticsearch_ranks_the_finders_citizens_in_its_order(three):
    query = SearchQuery(scope=WITH_CITIZENS, text="lefevre marie")
    found = citizen_find(query="lefevre marie", limit=100)
    body = query_body(query, citizens=finder_citizens(query, cap=100))
    pinned = _pinned(body)
    assert [doc for doc, _ in pinned] == [f"citizen:{f.citizen_id}" for f in found]
    exact, typo, sound = three[2], three[1], three[0]
    assert [doc for doc, _ in pinned][:3] == [f"citizen:{c.pk}" for c in (exact, typo, sound)]
    boosts = [boost for _, boost in pinned]
    assert boosts == sorted(boosts, reverse=True) and len(set(boosts)) == len(boosts)
    assert boosts[0] == pytest.approx(CITIZEN_BASE + CITIZEN_SPREAD * found[0].score)
    # The other clauses (full text, names) leave the pinned citizens out, and the name clauses every citizen.
    others = body["query"]["bool"]["should"][0]["bool"]
    assert others["must_not"] == [{"ids": {"values": [doc for doc, _ in pinned]}}]
    names = [c for c in others["should"] if "bool" in c]
    assert names and names[0]["bool"]["must_not"] == [{"term": {"kind": "citizen"}}]
    assert any("names" in str(c) for c in names[0]["bool"]["should"])


def test_elasticsearch_without_the_right_to_search_citizens_pins_nobody(three):
    query = SearchQuery(scope=WITHOUT, text="lefevre marie")
    assert finder_citizens(query, cap=100) is None
    body = query_body(query, citizens=finder_citizens(query, cap=100))
    assert "citizen:" not in str(body["query"])
    # Not asking for citizens: the finder does not run either.
    assert finder_citizens(SearchQuery(scope=WITH_CITIZENS, text="lefevre marie", kinds=("mail",)), cap=100) is None


def test_elasticsearch_with_a_birth_date_pins_those_born_that_day(three):
    query = SearchQuery(scope=WITH_CITIZENS, text="lefevre marie 08/03/1984")
    body = query_body(query, citizens=finder_citizens(query, cap=100))
    assert [doc for doc, _ in _pinned(body)] == [f"citizen:{three[1].pk}"]
    assert {"term": {"birth_date": "1984-03-08"}} in body["query"]["bool"]["must"]
