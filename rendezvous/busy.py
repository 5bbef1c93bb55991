"""When agents are busy (active appointments and absences), read through a per-agent cache kept in each process.

Free slots need every busy interval of the agents concerned over weeks: 20,000 rows for 200 agents and a six-week
window, the largest part of a slot search. Those rows change only when an appointment or absence of that agent is
written, so each process keeps, per agent, the intervals it last read with the agent's *busy version*.

The busy version is kept by the database itself, whatever writes: triggers on ``rendezvous_rendezvous`` and
``rendezvous_absence`` (migration 0004) set ``rendezvous_busy_version.version`` of the agent concerned (old and new
agent on a move) to ``nextval('rendezvous_busy_seq')`` on every insert, delete, and update of the agent, times or
status; a TRUNCATE gives every agent a new version. A sequence never gives a value twice, even when the transaction
that drew it rolls back, so an interval list cached with a version that was rolled back can never be mistaken for
a later state. A read therefore costs one query (the versions of the agents, an index lookup) when nothing
changed, and one more for the agents that changed, which are read again; another process' write is seen by the
next read in every process (the versions are read from the database each time, never trusted from memory).

Cached per agent: every interval overlapping ``[low, high)`` (epoch seconds), as sorted numpy arrays. A request
inside that range is served from it; otherwise the agent is read again over the wider range. The first read
covers ``RENDEZVOUS_BUSY_CACHE_DAYS`` (63) from the request's start, so the portal's searches (two days, a week,
the whole booking window) share one read.
"""

from __future__ import annotations

import datetime
import threading
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import connection

# Appointments last at most 8 hours (``Motif.duration_minutes`` ≤ 480): one overlapping a range starts less than
# this before it, which bounds the index range read.
LONGEST_APPOINTMENT = datetime.timedelta(hours=8)
# More agents than this in one process' cache: it starts again empty (memory bound, about 1 kB per agent-week).
MAX_AGENTS = 20_000

_VERSIONS_SQL = "SELECT agent_id, version FROM rendezvous_busy_version WHERE agent_id = ANY(%(agents)s)"

# Arrays rather than rows: the driver converts four arrays far faster than 20,000 tuples.
_INTERVALS_SQL = """
    SELECT coalesce(array_agg(agent_id ORDER BY agent_id, s), '{}'), coalesce(array_agg(s ORDER BY agent_id, s), '{}'),
           coalesce(array_agg(e ORDER BY agent_id, s), '{}'), coalesce(array_agg(id ORDER BY agent_id, s), '{}')
      FROM (
        SELECT agent_id, EXTRACT(EPOCH FROM starts_at)::bigint AS s, EXTRACT(EPOCH FROM ends_at)::bigint AS e, id
          FROM rendezvous_rendezvous
         WHERE agent_id = ANY(%(agents)s) AND status = 'active'
           AND starts_at < %(high)s AND starts_at > %(floor)s AND ends_at > %(low)s
        UNION ALL
        SELECT agent_id, EXTRACT(EPOCH FROM starts_at)::bigint, EXTRACT(EPOCH FROM ends_at)::bigint, 0
          FROM rendezvous_absence
         WHERE agent_id = ANY(%(agents)s) AND starts_at < %(high)s AND ends_at > %(low)s
    ) AS busy
"""


@dataclass(frozen=True)
class _Entry:
    version: int
    low: int
    high: int
    starts: np.ndarray  # sorted
    ends: np.ndarray
    ids: np.ndarray  # the appointment's id, 0 for an absence


_cache: dict[tuple[str, int], _Entry] = {}
_lock = threading.Lock()


def _db_key() -> str:
    return f"{connection.alias}:{connection.settings_dict['NAME']}"


def _versions(agent_ids: list[int]) -> dict[int, int]:
    with connection.cursor() as cursor:
        cursor.execute(_VERSIONS_SQL, {"agents": agent_ids})
        return dict(cursor.fetchall())


def _read(agent_ids: list[int], *, low: int, high: int) -> dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Every busy interval of ``agent_ids`` overlapping ``[low, high)``, per agent, sorted by start."""
    epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
    params = {
        "agents": agent_ids,
        "low": epoch + datetime.timedelta(seconds=low),
        "high": epoch + datetime.timedelta(seconds=high),
        "floor": epoch + datetime.timedelta(seconds=low) - LONGEST_APPOINTMENT,
    }
    with connection.cursor() as cursor:
        cursor.execute(_INTERVALS_SQL, params)
        agents, starts, ends, ids = (np.array(column, dtype=np.int64) for column in cursor.fetchone())
    result = {}
    bounds = np.searchsorted(agents, agent_ids, side="left"), np.searchsorted(agents, agent_ids, side="right")
    for agent_id, first, last in zip(agent_ids, *bounds, strict=True):
        result[agent_id] = (starts[first:last], ends[first:last], ids[first:last])
    return result


def busy_intervals(
    agent_ids, *, start: datetime.datetime, end: datetime.datetime, exclude_rendezvous_id: int | None = None
) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Per agent, (starts, ends) in epoch seconds, sorted by start, of the active appointments and absences that
    may overlap ``[start, end)`` (a superset: callers test the overlap), leaving out ``exclude_rendezvous_id``."""
    agent_ids = sorted({int(a) for a in agent_ids})
    if not agent_ids:
        return {}
    low, high = int(start.timestamp()), int(end.timestamp()) + 1
    versions = _versions(agent_ids)
    db = _db_key()
    found: dict[int, _Entry] = {}
    stale = []
    for agent_id in agent_ids:
        entry = _cache.get((db, agent_id))
        version = versions.get(agent_id, 0)
        if entry is not None and entry.version == version and entry.low <= low and entry.high >= high:
            found[agent_id] = entry
        else:
            stale.append(agent_id)
    if stale:
        days = getattr(settings, "RENDEZVOUS_BUSY_CACHE_DAYS", 63)
        read_low = low - 24 * 3600
        read_high = max(high, low + days * 24 * 3600)
        for agent_id, (starts, ends, ids) in _read(stale, low=read_low, high=read_high).items():
            found[agent_id] = _Entry(versions.get(agent_id, 0), read_low, read_high, starts, ends, ids)
        with _lock:
            if len(_cache) + len(stale) > MAX_AGENTS:
                _cache.clear()
            _cache.update({(db, agent_id): found[agent_id] for agent_id in stale})
    result = {}
    for agent_id, entry in found.items():
        if exclude_rendezvous_id and len(entry.ids) and (entry.ids == exclude_rendezvous_id).any():
            keep = entry.ids != exclude_rendezvous_id
            result[agent_id] = (entry.starts[keep], entry.ends[keep])
        else:
            result[agent_id] = (entry.starts, entry.ends)
    return result


def cache_clear() -> None:
    """Forget every cached interval of this process (tests measuring the first read)."""
    with _lock:
        _cache.clear()
