"""Citizens in the global search box come from the one citizen finder (``grc.matching.find``), whatever the
backend: PostgreSQL joins its ids to the citizen documents, Elasticsearch pins them with the finder's score.
The name clauses of either backend only look at the other kinds then, so a person ranks the same on the
"Usagers" page, in ``GET /api/v1/citizens`` and in the search box."""

from __future__ import annotations

from grc.matching.find import Found, citizen_find

from ..documents.grc import CITIZEN
from ..query import SearchQuery
from ..scope import IDENTITY

MAX_NAME_WORDS = 5  # a longer text is not a name: the finder is not asked


def finder_citizens(query: SearchQuery, *, cap: int) -> list[Found] | None:
    """The finder's citizens for the query's name and birth date, best first (at most ``cap``); None when it
    does not run: the user may not search the citizen reference, citizens are not among the kinds asked, or
    there is neither a name nor a birth date."""
    parsed = query.parsed
    if CITIZEN not in query.kinds or IDENTITY not in query.scope.principals:
        return None
    text = parsed.text if len(parsed.text.split()) <= MAX_NAME_WORDS else ""
    if not text.strip() and parsed.birth_date is None:
        return None
    return citizen_find(query=text, birth_date=parsed.birth_date, limit=cap)
