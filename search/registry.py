"""The kinds of search documents, registered by the modules of ``search.documents`` (one per domain app).

The search core (indexing, backends, the service, the commands) knows kinds only through this
registry: an app that becomes searchable adds a module to ``search/documents/`` that builds its
documents and registers a ``DocumentType``; nothing else in ``search`` changes.

``build(kind, ids)`` loads a batch with a fixed number of queries and returns the documents of the
ids that should be in the index; an id without a document (deleted, merged citizen, draft request)
must be removed from the index. Both backends index exactly these documents.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Model, QuerySet


@dataclass
class SearchDoc:
    kind: str
    object_id: int
    title: str
    subtitle: str = ""
    body: str = ""
    citizen_id: int | None = None
    file_id: int | None = None
    territory_id: int | None = None
    names: str = ""
    phonetic: str = ""
    codes: list[str] = field(default_factory=list)
    birth_date: datetime.date | None = None
    programmes: list[str] = field(default_factory=list)
    status: str = ""
    acl: list[str] = field(default_factory=list)
    acl_restrict: list[str] = field(default_factory=list)
    sort_date: datetime.datetime | None = None

    @property
    def key(self) -> tuple[str, int]:
        return self.kind, self.object_id


@dataclass(frozen=True)
class DocumentType:
    """One kind of document: how to build a batch, where a hit leads, which rows have one.

    - ``build(ids)``: the documents of those ids, in a fixed number of queries; an id left out has none.
    - ``url(object_id)``: the object's own page in the back office (its view checks permission and
      logs the read); '' when there is none to open.
    - ``rows()``: the rows ``search_reindex`` walks (a row without a document is removed from the index);
      ``indexed()``: those that have a document (``search_check``'s expected count); default: every row.
    - ``citizen_field``: the lookup from a row to its citizen (a hit opened is logged against the citizen;
      a merge rebuilds the documents that show the citizen's name); None when the row is the citizen.
    - ``rank``: where the kind is listed (the search page's facets, reindex and check order).
    """

    kind: str
    model: type[Model]
    build: Callable[[list[int]], list[SearchDoc]]
    url: Callable[[int], str]
    rank: int
    citizen_field: str | None = "citizen_id"
    rows: Callable[[], QuerySet] | None = None
    indexed: Callable[[], QuerySet] | None = None

    def all_rows(self) -> QuerySet:
        return self.rows() if self.rows else self.model.objects.all()

    def indexed_rows(self) -> QuerySet:
        return self.indexed() if self.indexed else self.all_rows()


_TYPES: dict[str, DocumentType] = {}


def register(document_type: DocumentType) -> DocumentType:
    """Make a kind searchable (from its module in ``search.documents``, imported by ``SearchConfig.ready``)."""
    if document_type.kind in _TYPES:
        raise ValueError(f"search document kind registered twice: {document_type.kind}")
    _TYPES[document_type.kind] = document_type
    return document_type


def kinds() -> tuple[str, ...]:
    """Every registered kind, in ``rank`` order."""
    return tuple(t.kind for t in sorted(_TYPES.values(), key=lambda t: t.rank))


def document_type(kind: str) -> DocumentType:
    return _TYPES[kind]


def build(kind: str, ids) -> tuple[list[SearchDoc], list[int]]:
    """The documents of ``ids`` of ``kind`` and the ids that have none (to delete from the index)."""
    ids = sorted({int(i) for i in ids})
    if not ids:
        return [], []
    docs = _TYPES[kind].build(ids)
    present = {d.object_id for d in docs}
    return docs, [i for i in ids if i not in present]


def url_for(kind: str, object_id: int) -> str:
    """The object's own page in the back office (its view checks permission and logs the read)."""
    return _TYPES[kind].url(object_id)


def citizen_of(kind: str, object_id: int) -> int | None:
    """The citizen a document is about (the object itself for a citizen)."""
    document = _TYPES[kind]
    if document.citizen_field is None:
        return object_id
    return document.model.objects.filter(pk=object_id).values_list(document.citizen_field, flat=True).first()


def related_kinds() -> tuple[str, ...]:
    """The kinds whose documents show a citizen's name (rebuilt when the citizen changes or is merged)."""
    return tuple(kind for kind in kinds() if _TYPES[kind].citizen_field is not None)


def related_keys(citizen_ids) -> dict[str, set[int]]:
    """Documents that show a citizen's name, by kind: their files, notes, requests, mail items…"""
    ids = list(citizen_ids)
    return {
        kind: set(
            _TYPES[kind]
            .model.objects.filter(**{f"{_TYPES[kind].citizen_field}__in": ids})
            .values_list("pk", flat=True)
        )
        for kind in related_kinds()
    }


def queryset_ids(kind: str, after: int, batch: int) -> list[int]:
    """Keyset pagination over one kind's table for ``search_reindex`` (ids only, index-ordered)."""
    return list(_TYPES[kind].all_rows().filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:batch])


def database_count(kind: str) -> int:
    """How many documents of ``kind`` the index should hold (``search_check``)."""
    return _TYPES[kind].indexed_rows().count()
