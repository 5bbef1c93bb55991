"""One version number for the whole annuaire: every cached public answer (API pages, searches, GeoJSON) carries it
in its key, and every write bumps it (publication, import), so nothing stale is served after a change and no
key has to be listed for deletion."""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction

VERSION_KEY = "annuaire:version"
TIMEOUT = 600


def version() -> int:
    value = cache.get(VERSION_KEY)
    if value is None:
        value = 1
        cache.add(VERSION_KEY, value, None)
    return value


def bump() -> None:
    """After the current transaction commits: cached answers of the annuaire are stale."""

    def _bump():
        try:
            cache.incr(VERSION_KEY)
        except ValueError:  # the key was evicted: any new value differs from the cached ones' version
            cache.set(VERSION_KEY, 2, None)

    transaction.on_commit(_bump)


def cached(key: str, build):
    """``build()`` cached under ``key`` for this version of the annuaire."""
    full_key = f"annuaire:{version()}:{key}"
    value = cache.get(full_key)
    if value is None:
        value = build()
        cache.set(full_key, value, TIMEOUT)
    return value
