"""The version of the annuaire that cached public answers (API pages, searches, GeoJSON) carry in their key.

Two parts: a counter every write of the services bumps after commit (publication, import), and a fingerprint
of the tables read in one cheap query (counts, newest ``updated_at``, highest id), so that a write made some
other way (the demo's bulk load, the admin, a rolled-back test) never serves a stale answer either. No key has
to be listed for deletion: a new version simply misses.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.db import connection, transaction

COUNTER_KEY = "annuaire:counter"
TIMEOUT = 600
FINGERPRINT_SQL = """
SELECT (SELECT count(*) || ':' || coalesce(max(id), 0) || ':' || coalesce(max(updated_at)::text, '')
          FROM annuaire_structure)
    || '|' ||
       (SELECT count(*) || ':' || coalesce(max(id), 0) || ':' || coalesce(max(updated_at)::text, '')
          FROM annuaire_service)
"""


def version() -> str:
    counter = cache.get(COUNTER_KEY)
    if counter is None:
        counter = 1
        cache.add(COUNTER_KEY, counter, None)
    with connection.cursor() as cursor:
        cursor.execute(FINGERPRINT_SQL)
        fingerprint = cursor.fetchone()[0]
    return f"{counter}:{fingerprint}"


def bump() -> None:
    """After the current transaction commits: cached answers of the annuaire are stale."""

    def _bump():
        try:
            cache.incr(COUNTER_KEY)
        except ValueError:  # the key was evicted: any new value differs from the cached ones' version
            cache.set(COUNTER_KEY, 2, None)

    transaction.on_commit(_bump)


def cached(key: str, build):
    """``build()`` cached under ``key`` for this version of the annuaire."""
    # Hashed: keys stay short and free of spaces whatever the query string holds (memcached refuses both).
    full_key = "annuaire:" + hashlib.sha256(f"{version()}|{key}".encode()).hexdigest()
    value = cache.get(full_key)
    if value is None:
        value = build()
        cache.set(full_key, value, TIMEOUT)
    return value
