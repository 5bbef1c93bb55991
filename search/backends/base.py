"""The one interface both search backends implement (PostgreSQL full text + trigram, Elasticsearch)."""

from __future__ import annotations

import abc
from collections.abc import Iterable

from ..query import Results, SearchQuery
from ..registry import SearchDoc


class SearchBackend(abc.ABC):
    name = ""

    @abc.abstractmethod
    def index(self, docs: Iterable[SearchDoc]) -> int:
        """Add or replace documents (by kind and object id); returns how many."""

    @abc.abstractmethod
    def delete(self, kind: str, ids: Iterable[int]) -> int:
        """Remove documents; ids absent from the index are ignored."""

    def bulk(self, docs: Iterable[SearchDoc] = (), deletes: dict[str, Iterable[int]] | None = None) -> None:
        """Index and delete in one call (what an indexing task does with one batch)."""
        docs = list(docs)
        if docs:
            self.index(docs)
        for kind, ids in (deletes or {}).items():
            ids = list(ids)
            if ids:
                self.delete(kind, ids)

    @abc.abstractmethod
    def query(self, query: SearchQuery) -> Results:
        """Hits the query's scope may see, best first, with highlights, facets and total."""

    @abc.abstractmethod
    def count(self, kind: str | None = None) -> int:
        """How many documents the index holds (of one kind), regardless of any user."""

    @abc.abstractmethod
    def visible(self, scope, kind: str, object_id: int) -> bool:
        """Whether this indexed document is one ``scope`` may see (same filter as ``query``)."""

    @abc.abstractmethod
    def keys_for_citizen(self, citizen_id: int) -> dict[str, list[int]]:
        """The indexed documents about one citizen (to rebuild them after a merge)."""

    # Full rebuild (``search_reindex``): by default documents are upserted in place and stale
    # ones removed at the end; Elasticsearch builds a new index and swaps the alias.
    def reindex_begin(self, kind: str, target: str = "") -> str:
        return target

    def reindex_index(self, target: str, docs: list[SearchDoc]) -> int:
        return self.index(docs)

    def reindex_finish(self, kind: str, target: str, started_at) -> int:
        """Called when every row of ``kind`` has been indexed since ``started_at``; returns removed."""
        return 0
