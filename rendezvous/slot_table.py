"""Free slots of individual motifs computed on arrays (numpy): the same rules as ``rendezvous.slots``, fast at scale.

With 200 agents and a six-week window, a motif has some 70,000 candidate slots; building and checking them one
Python object at a time costs seconds on a loaded server. Here each opening slot's days are a mask over the
window's days, each day's starts an outer sum, and "taken" one binary search per candidate over the agents'
busy intervals sorted by (agent, start) with a running maximum of their ends (so a long absence covering several
appointments is seen too). Times are whole seconds since the epoch; a local wall-clock time is taken from the
day's offset at noon, which is right for every opening time after the 2–3 a.m. daylight-saving change.
"""

from __future__ import annotations

import datetime
import functools
import zoneinfo
from dataclasses import dataclass

import holidays
import numpy as np
from django.conf import settings

from .busy import busy_intervals

# Agent ids are shifted by this many seconds in the combined sort keys (past any epoch second in use).
_AGENT_SHIFT = 1 << 34


@dataclass(frozen=True)
class Slot:
    """One bookable time: an agent at a lieu, from ``starts_at`` to ``ends_at``, with ``places_left``."""

    starts_at: datetime.datetime
    ends_at: datetime.datetime
    agent_id: int
    lieu_id: int
    plage_id: int
    places_left: int
    # The group session this slot joins (None: a new appointment would be created).
    rendezvous_id: int | None = None


def local_tz() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


@functools.lru_cache(maxsize=16)
def holiday_dates(year: int) -> frozenset[datetime.date]:
    """French public holidays (metropolitan France) of ``year``."""
    return frozenset(holidays.FR(years=[year]).keys())


def is_holiday(day: datetime.date) -> bool:
    return day in holiday_dates(day.year)


@dataclass
class SlotTable:
    """Free slots as parallel arrays, by start then lieu then agent: ``starts`` (epoch seconds), ``agents``,
    ``lieux``, ``plages``; ``duration`` in seconds."""

    starts: np.ndarray
    agents: np.ndarray
    lieux: np.ndarray
    plages: np.ndarray
    duration: int

    def __len__(self) -> int:
        return len(self.starts)

    def first_by_lieu(self) -> dict[int, Slot]:
        """The earliest slot at each lieu (rows are by start, then lieu, then agent)."""
        _lieux, first = np.unique(self.lieux, return_index=True)
        return {slot.lieu_id: slot for slot in self.slots(np.sort(first))}

    def slots(self, rows=None) -> list[Slot]:
        """One ``Slot`` per row — or per row of ``rows``, indices — (aware datetimes in UTC)."""
        epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
        span = datetime.timedelta(seconds=self.duration)
        second = datetime.timedelta(seconds=1)
        result = []
        columns = (self.starts, self.agents, self.lieux, self.plages)
        if rows is not None:
            columns = tuple(column[rows] for column in columns)
        for at, agent, lieu, plage in zip(*(column.tolist() for column in columns), strict=True):
            starts_at = epoch + at * second
            result.append(Slot(starts_at, starts_at + span, agent, lieu, plage, 1))
        return result


class _Days:
    """The days of the searched range as arrays: ordinal, weekday, holiday, local midnight (epoch seconds)."""

    def __init__(self, first: datetime.date, last: datetime.date):
        tz = local_tz()
        days = [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]
        self.ordinal = np.array([d.toordinal() for d in days], dtype=np.int64)
        self.weekday = np.array([d.weekday() for d in days], dtype=np.int64)
        self.holiday = np.array([is_holiday(d) for d in days], dtype=bool)
        noon = datetime.time(12)
        self.midnight = np.array(
            [int(datetime.datetime.combine(d, noon, tzinfo=tz).timestamp()) - 12 * 3600 for d in days], dtype=np.int64
        )


def _seconds(value: datetime.time) -> int:
    return value.hour * 3600 + value.minute * 60 + value.second


def _rule_key(plage: dict) -> tuple:
    """What decides an opening slot's starts: opening slots sharing it (a CDAS's hours) are computed once."""
    return (
        tuple(plage["weekdays"]),
        plage["first_day"],
        plage["until"],
        plage["every_weeks"],
        plage["lieu__available_from"],
        plage["lieu__available_until"],
        plage["start_time"],
        plage["end_time"],
    )


def _plage_starts(plage: dict, days: _Days, duration: int) -> np.ndarray:
    """Every slot start of one opening slot over the days (rules of ``rendezvous.slots._runs_on``)."""
    weekdays = np.zeros(7, dtype=bool)
    weekdays[list(plage["weekdays"])] = True
    mask = weekdays[days.weekday] & (days.ordinal >= plage["first_day"].toordinal()) & ~days.holiday
    for key, keep in (("until", np.less_equal), ("lieu__available_until", np.less_equal)):
        if plage[key] is not None:
            mask &= keep(days.ordinal, plage[key].toordinal())
    if plage["lieu__available_from"] is not None:
        mask &= days.ordinal >= plage["lieu__available_from"].toordinal()
    if plage["every_weeks"] > 1:
        first_monday = plage["first_day"].toordinal() - plage["first_day"].weekday()
        mask &= ((days.ordinal - first_monday) // 7) % plage["every_weeks"] == 0
    opens, closes = _seconds(plage["start_time"]), _seconds(plage["end_time"])
    count = (closes - opens) // duration
    if count <= 0 or not mask.any():
        return np.empty(0, dtype=np.int64)
    offsets = opens + duration * np.arange(count, dtype=np.int64)
    return (days.midnight[mask][:, None] + offsets[None, :]).ravel()


def _busy(agent_ids: list[int], *, start, end, exclude_rendezvous_id) -> tuple[np.ndarray, np.ndarray]:
    """(start keys sorted, running max of end keys) of the agents' active appointments and absences
    (``rendezvous.busy``: one query when the cached intervals are current)."""
    per_agent = busy_intervals(agent_ids, start=start, end=end, exclude_rendezvous_id=exclude_rendezvous_id)
    parts = [(agent_id, *per_agent[agent_id]) for agent_id in sorted(per_agent)]
    parts = [(agent_id, starts, ends) for agent_id, starts, ends in parts if len(starts)]
    if not parts:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    # Agent ids ascending, each agent's intervals by start: the keys come out sorted without a sort.
    start_keys = np.concatenate([agent_id * _AGENT_SHIFT + starts for agent_id, starts, _ends in parts])
    end_keys = np.concatenate([agent_id * _AGENT_SHIFT + ends for agent_id, _starts, ends in parts])
    return start_keys, np.maximum.accumulate(end_keys)


def _may_overlap(plages: list[dict]) -> bool:
    """Whether two opening slots of one agent may give the same start (same weekday, crossing hours): only then
    are the duplicates looked for (a sort of every candidate)."""
    by_agent: dict[int, list[dict]] = {}
    for plage in plages:
        by_agent.setdefault(plage["agent_id"], []).append(plage)
    for own in by_agent.values():
        for index, first in enumerate(own):
            for second in own[index + 1 :]:
                if (
                    set(first["weekdays"]) & set(second["weekdays"])
                    and first["start_time"] < second["end_time"]
                    and second["start_time"] < first["end_time"]
                ):
                    return True
    return False


def slot_table(
    plages: list[dict], *, duration_minutes: int, start, end, exclude_rendezvous_id=None, ignore_busy=False
) -> SlotTable:
    """The free slots of the opening slots ``plages`` (dicts as ``rendezvous.slots`` reads them) starting
    between ``start`` and ``end``: not on a holiday, one per (agent, time), none overlapping a busy interval."""
    duration = duration_minutes * 60
    empty = np.empty(0, dtype=np.int64)
    if not plages:
        return SlotTable(empty, empty, empty, empty, duration)
    tz = local_tz()
    days = _Days(start.astimezone(tz).date(), end.astimezone(tz).date())
    by_rule: dict[tuple, np.ndarray] = {}
    parts = []
    for plage in plages:
        key = _rule_key(plage)
        if key not in by_rule:
            by_rule[key] = _plage_starts(plage, days, duration)
        parts.append((by_rule[key], plage))
    starts = np.concatenate([s for s, _p in parts])
    lengths = [len(s) for s, _p in parts]
    agents = np.repeat(np.array([p["agent_id"] for _s, p in parts], dtype=np.int64), lengths)
    lieux = np.repeat(np.array([p["lieu_id"] for _s, p in parts], dtype=np.int64), lengths)
    ids = np.repeat(np.array([p["id"] for _s, p in parts], dtype=np.int64), lengths)
    keep = (starts >= int(start.timestamp())) & (starts <= int(end.timestamp()))
    starts, agents, lieux, ids = starts[keep], agents[keep], lieux[keep], ids[keep]
    if _may_overlap(plages):
        # Two opening slots of one agent overlapping give one slot (the first opening slot's).
        _unique, first = np.unique(agents * _AGENT_SHIFT + starts, return_index=True)
        first.sort()
        starts, agents, lieux, ids = starts[first], agents[first], lieux[first], ids[first]
    if not ignore_busy and len(starts):
        busy_starts, busy_ends = _busy(
            sorted({p["agent_id"] for p in plages}),
            start=start,
            end=end + datetime.timedelta(seconds=duration),
            exclude_rendezvous_id=exclude_rendezvous_id,
        )
        if len(busy_starts):
            keys = agents * _AGENT_SHIFT + starts
            before = np.searchsorted(busy_starts, keys + duration, side="left") - 1
            taken = (before >= 0) & (busy_ends[np.clip(before, 0, None)] > keys)
            starts, agents, lieux, ids = starts[~taken], agents[~taken], lieux[~taken], ids[~taken]
    order = np.lexsort((agents, lieux, starts))
    return SlotTable(starts[order], agents[order], lieux[order], ids[order], duration)
