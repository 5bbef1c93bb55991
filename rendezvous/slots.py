"""Free slots, computed from the rules at read time (nothing pre-generated).

A slot is free when it lies in an active weekly opening slot (``PlageOuverture``) of an agent for the motif, on
a day the opening slot runs (weekday, first day, end date, every N weeks, the lieu's availability), not on a
French public holiday (``holidays.FR``), not during an absence of the agent, not overlapping an active
appointment of the agent — except a group session of the same motif at that very time with places left — and,
for citizens and partners, between the motif's minimum and maximum booking delays.

Cost, for an individual motif: the opening slots (one query), the busy intervals of their agents
(``rendezvous.busy``: one query when the per-process cache is current, one more for the agents that changed), then
array arithmetic (``rendezvous.slot_table``). Group sessions read their appointments with the places taken and
sweep in Python.
"""

from __future__ import annotations

import bisect
import datetime
from collections import defaultdict

from django.db.models import Count, Q
from django.utils import timezone

from .busy import LONGEST_APPOINTMENT
from .models import Absence, Participant, PlageOuverture, Rendezvous
from .slot_table import Slot, SlotTable, holiday_dates, is_holiday, local_tz, slot_table

__all__ = [
    "Slot",
    "SlotTable",
    "booking_window",
    "free_slot_table",
    "free_slots",
    "holiday_dates",
    "is_holiday",
    "next_free_by_lieu",
    "slot_find",
    "slot_plages",
]


def booking_window(*, motif, now: datetime.datetime | None = None) -> tuple[datetime.datetime, datetime.datetime]:
    """The earliest and latest start a citizen or partner may book for ``motif`` now (min/max delays)."""
    now = now or timezone.now()
    earliest = now + datetime.timedelta(minutes=motif.min_booking_delay_minutes)
    latest = now + datetime.timedelta(days=motif.max_booking_delay_days)
    return earliest, latest


def _runs_on(plage: dict, day: datetime.date) -> bool:
    """The opening slot runs on ``day`` (weekday, dates, every N weeks counted from its first week, lieu)."""
    if day.weekday() not in plage["weekdays"] or day < plage["first_day"]:
        return False
    if plage["until"] is not None and day > plage["until"]:
        return False
    if plage["lieu__available_from"] is not None and day < plage["lieu__available_from"]:
        return False
    if plage["lieu__available_until"] is not None and day > plage["lieu__available_until"]:
        return False
    if plage["every_weeks"] > 1:
        first_monday = plage["first_day"] - datetime.timedelta(days=plage["first_day"].weekday())
        if ((day - first_monday).days // 7) % plage["every_weeks"]:
            return False
    return not is_holiday(day)


def _candidates(plages: list[dict], *, duration: datetime.timedelta, start, end):
    """(starts_at, ends_at, plage) of every slot of the opening slots between ``start`` and ``end`` (starts)."""
    tz = local_tz()
    first_day = start.astimezone(tz).date()
    last_day = end.astimezone(tz).date()
    for plage in plages:
        day = max(first_day, plage["first_day"])
        while day <= last_day:
            if _runs_on(plage, day):
                at = datetime.datetime.combine(day, plage["start_time"], tzinfo=tz)
                close = datetime.datetime.combine(day, plage["end_time"], tzinfo=tz)
                while at + duration <= close:
                    if start <= at <= end:
                        yield at, at + duration, plage
                    at += duration
            day += datetime.timedelta(days=1)


class _Busy:
    """One agent's busy times: absences (few, any length) and appointments (sorted, bounded length)."""

    def __init__(self):
        self.absences: list[tuple[datetime.datetime, datetime.datetime]] = []
        self.rdv: list[tuple] = []  # (starts_at, ends_at, id, motif_id, lieu_id, capacity, taken)
        self.starts: list[datetime.datetime] = []
        self.longest = datetime.timedelta(0)

    def freeze(self):
        self.rdv.sort(key=lambda row: row[0])
        self.starts = [row[0] for row in self.rdv]
        self.longest = max((row[1] - row[0] for row in self.rdv), default=datetime.timedelta(0))

    def overlapping(self, start, end):
        """Appointments overlapping [start, end) (half-open)."""
        low = bisect.bisect_left(self.starts, start - self.longest)
        high = bisect.bisect_left(self.starts, end)
        return [row for row in self.rdv[low:high] if row[1] > start]

    def absent(self, start, end) -> bool:
        return any(a_start < end and a_end > start for a_start, a_end in self.absences)


def _busy_by_agent(agent_ids, *, start, end, exclude_rendezvous_id=None) -> dict[int, _Busy]:
    busy: dict[int, _Busy] = defaultdict(_Busy)
    for agent_id, a_start, a_end in Absence.objects.filter(
        agent_id__in=agent_ids, starts_at__lt=end, ends_at__gt=start
    ).values_list("agent_id", "starts_at", "ends_at"):
        busy[agent_id].absences.append((a_start, a_end))
    rows = (
        Rendezvous.objects.filter(
            agent_id__in=agent_ids,
            status=Rendezvous.Status.ACTIVE,
            starts_at__lt=end,
            starts_at__gt=start - LONGEST_APPOINTMENT,
            ends_at__gt=start,
        )
        .exclude(pk=exclude_rendezvous_id)
        .annotate(
            taken=Count(
                "participants",
                filter=~Q(participants__status__in=[Participant.Status.ANNULE, Participant.Status.EXCUSE]),
            )
        )
        .values_list("agent_id", "starts_at", "ends_at", "id", "motif_id", "lieu_id", "capacity", "taken")
    )
    for agent_id, *row in rows:
        busy[agent_id].rdv.append(tuple(row))
    for agent_busy in busy.values():
        agent_busy.freeze()
    return busy


def _places(busy: _Busy | None, *, start, end, motif, lieu_id) -> tuple[int, int | None]:
    """(places left, group session id) for one candidate; (0, None) when it is taken."""
    if busy is None:
        return motif.capacity, None
    if busy.absent(start, end):
        return 0, None
    overlapping = busy.overlapping(start, end)
    if not overlapping:
        return motif.capacity, None
    if motif.capacity > 1 and len(overlapping) == 1:
        o_start, _o_end, o_id, o_motif, o_lieu, o_capacity, taken = overlapping[0]
        if o_motif == motif.pk and o_start == start and o_capacity > 1 and (o_lieu in (lieu_id, None)):
            return max(o_capacity - taken, 0), o_id
    return 0, None


def _range(*, motif, now, start, end, enforce_delays: bool):
    """The start range searched: the booking window for citizens and partners, the coming year for agents."""
    if enforce_delays:
        earliest, latest = booking_window(motif=motif, now=now)
    else:
        earliest, latest = now, now + datetime.timedelta(days=366)
    return max(start or earliest, earliest), min(end or latest, latest)


def _plages_for(*, motif, start, end, lieu_ids, agent_ids) -> list[dict]:
    plages_qs = PlageOuverture.objects.filter(
        Q(until__isnull=True) | Q(until__gte=start.astimezone(local_tz()).date()),
        is_active=True,
        motifs=motif,
        lieu__is_active=True,
        agent__is_active=True,
        first_day__lte=end.astimezone(local_tz()).date(),
    )
    if lieu_ids is not None:
        plages_qs = plages_qs.filter(lieu_id__in=list(lieu_ids))
    if agent_ids is not None:
        plages_qs = plages_qs.filter(agent_id__in=list(agent_ids))
    return list(
        plages_qs.values(
            "id",
            "agent_id",
            "lieu_id",
            "first_day",
            "until",
            "weekdays",
            "start_time",
            "end_time",
            "every_weeks",
            "lieu__available_from",
            "lieu__available_until",
        )
    )


def free_slots(
    *,
    motif,
    now: datetime.datetime | None = None,
    start: datetime.datetime | None = None,
    end: datetime.datetime | None = None,
    lieu_ids=None,
    agent_ids=None,
    enforce_delays: bool = True,
    exclude_rendezvous_id: int | None = None,
    ignore_busy: bool = False,
    plages: list[dict] | None = None,
) -> list[Slot]:
    """Free slots of ``motif`` between ``start`` and ``end`` (slot starts), by start time then lieu.

    ``enforce_delays`` (citizens, partners, invitations) narrows the range to the motif's booking window;
    an agent booking passes ``False`` and still gets nothing in the past. ``lieu_ids`` / ``agent_ids`` narrow
    to some lieux or agents. ``exclude_rendezvous_id`` ignores one appointment (the one being moved);
    ``ignore_busy`` gives the opening slots' times whatever is taken (to tell "taken" from "never offered").
    ``plages``: the opening slots already read by ``slot_plages`` for this motif, lieux and agents (a booking
    reads them once for its two checks).
    Individual motifs go through the array computation (``free_slot_table``); group sessions through the
    per-slot path below, which counts the places left.
    """
    now = now or timezone.now()
    start, end = _range(motif=motif, now=now, start=start, end=end, enforce_delays=enforce_delays)
    if not motif.is_active or start > end:
        return []
    if plages is None:
        plages = _plages_for(motif=motif, start=start, end=end, lieu_ids=lieu_ids, agent_ids=agent_ids)
    if not plages:
        return []
    if motif.capacity == 1:
        table = slot_table(
            plages,
            duration_minutes=motif.duration_minutes,
            start=start,
            end=end,
            exclude_rendezvous_id=exclude_rendezvous_id,
            ignore_busy=ignore_busy,
        )
        return table.slots()
    duration = datetime.timedelta(minutes=motif.duration_minutes)
    busy = (
        {}
        if ignore_busy
        else _busy_by_agent(
            {p["agent_id"] for p in plages},
            start=start,
            end=end + duration,
            exclude_rendezvous_id=exclude_rendezvous_id,
        )
    )
    seen = set()
    slots = []
    for at, until, plage in _candidates(plages, duration=duration, start=start, end=end):
        key = (plage["agent_id"], at)
        if key in seen:  # two opening slots of one agent overlapping: one slot
            continue
        seen.add(key)
        places, group_id = _places(
            busy.get(plage["agent_id"]), start=at, end=until, motif=motif, lieu_id=plage["lieu_id"]
        )
        if places > 0:
            slots.append(Slot(at, until, plage["agent_id"], plage["lieu_id"], plage["id"], places, group_id))
    slots.sort(key=lambda s: (s.starts_at, s.lieu_id, s.agent_id))
    return slots


def free_slot_table(
    *,
    motif,
    now: datetime.datetime | None = None,
    start: datetime.datetime | None = None,
    end: datetime.datetime | None = None,
    lieu_ids=None,
    agent_ids=None,
    enforce_delays: bool = True,
) -> SlotTable:
    """The free slots of an individual motif (capacity 1) as arrays, without building one object per slot:
    what a caller that counts, groups or picks among thousands of slots reads (rules as ``free_slots``)."""
    if motif.capacity != 1:
        raise ValueError("free_slot_table serves individual motifs; group sessions count places per slot")
    now = now or timezone.now()
    start, end = _range(motif=motif, now=now, start=start, end=end, enforce_delays=enforce_delays)
    plages = (
        []
        if not motif.is_active or start > end
        else _plages_for(motif=motif, start=start, end=end, lieu_ids=lieu_ids, agent_ids=agent_ids)
    )
    return slot_table(plages, duration_minutes=motif.duration_minutes, start=start, end=end)


def slot_find(
    *,
    motif,
    starts_at: datetime.datetime,
    lieu_id: int | None = None,
    agent_id: int | None = None,
    now: datetime.datetime | None = None,
    enforce_delays: bool = True,
    exclude_rendezvous_id: int | None = None,
    ignore_busy: bool = False,
    plages: list[dict] | None = None,
) -> list[Slot]:
    """The free slots of ``motif`` starting exactly at ``starts_at`` (at ``lieu_id``, with ``agent_id`` if given).

    ``plages`` (from ``slot_plages``) saves reading the opening slots again."""
    return [
        slot
        for slot in free_slots(
            motif=motif,
            now=now,
            start=starts_at,
            end=starts_at,
            lieu_ids=None if lieu_id is None else [lieu_id],
            agent_ids=None if agent_id is None else [agent_id],
            enforce_delays=enforce_delays,
            exclude_rendezvous_id=exclude_rendezvous_id,
            ignore_busy=ignore_busy,
            plages=plages,
        )
        if slot.starts_at == starts_at
    ]


def slot_plages(*, motif, starts_at: datetime.datetime, lieu_id: int | None = None, agent_id: int | None = None):
    """The opening slots that may hold a slot of ``motif`` starting at ``starts_at`` (one query), for
    ``slot_find(plages=…)``."""
    return _plages_for(
        motif=motif,
        start=starts_at,
        end=starts_at,
        lieu_ids=None if lieu_id is None else [lieu_id],
        agent_ids=None if agent_id is None else [agent_id],
    )


def next_free_by_lieu(
    *, motif, lieu_ids, now: datetime.datetime | None = None, horizons_days=(2, 7)
) -> tuple[dict[int, Slot], datetime.datetime]:
    """The next free slot of ``motif`` at each of ``lieu_ids`` (within the booking window), and the window's end.

    An individual motif is read once over the whole window as arrays (the busy intervals come from
    ``rendezvous.busy``'s cache), keeping the first row of each lieu. A group session looks a little ahead
    first (``horizons_days``), then further only for the lieux still without a slot.
    """
    now = now or timezone.now()
    earliest, latest = booking_window(motif=motif, now=now)
    if motif.capacity == 1:
        table = free_slot_table(motif=motif, now=now, lieu_ids=sorted(set(lieu_ids)))
        return table.first_by_lieu(), latest
    missing = set(lieu_ids)
    found: dict[int, Slot] = {}
    start = earliest
    for horizon in (*horizons_days, None):
        if not missing or start > latest:
            break
        end = latest if horizon is None else min(latest, earliest + datetime.timedelta(days=horizon))
        for slot in free_slots(motif=motif, now=now, start=start, end=end, lieu_ids=sorted(missing)):
            if slot.lieu_id in missing:
                found[slot.lieu_id] = slot
                missing.discard(slot.lieu_id)
        start = end + datetime.timedelta(seconds=1)
    return found, latest
