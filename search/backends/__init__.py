"""The search backend chosen by settings: ``SEARCH_BACKEND`` = ``auto`` (Elasticsearch when
``ELASTICSEARCH_URL`` is set, else PostgreSQL), ``postgresql`` or ``elasticsearch``."""

from __future__ import annotations

from django.conf import settings

from .base import SearchBackend

_cache: dict[tuple, SearchBackend] = {}


def backend_name() -> str:
    name = getattr(settings, "SEARCH_BACKEND", "auto") or "auto"
    if name == "auto":
        return "elasticsearch" if getattr(settings, "ELASTICSEARCH_URL", "") else "postgresql"
    return name


def get_backend(name: str | None = None) -> SearchBackend:
    name = name or backend_name()
    key = (name, getattr(settings, "ELASTICSEARCH_URL", ""), getattr(settings, "ELASTICSEARCH_INDEX_PREFIX", ""))
    if key not in _cache:
        if name == "elasticsearch":
            from .elasticsearch import ElasticsearchBackend

            _cache[key] = ElasticsearchBackend()
        elif name == "postgresql":
            from .postgres import PostgresBackend

            _cache[key] = PostgresBackend()
        else:
            raise ValueError(f"unknown SEARCH_BACKEND {name!r}")
    return _cache[key]
