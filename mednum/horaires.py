"""Opening hours (OpenStreetMap ``opening_hours``) said in French: open now or not, and the coming week.

The parser (``opening-hours-py``) works on naive local times: we hand it the Département's local time.
A string it cannot read (an old import) gives ``unknown`` rather than an error page.

Public holidays (``PH``): the parser knows them only when it is given a country, and without one « PH off »
was silently ignored (a place shown open on Christmas Day). Every evaluation here passes ``country="FR"``;
the days it treats as holidays are checked against the ``holidays`` package's French calendar by the tests
(``tests/mednum/test_horaires.py``), and the week names the holiday (« Fermé — Noël ») from that package.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import lru_cache

import holidays
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from opening_hours import OpeningHours, State

# Metropolitan France (Ille-et-Vilaine): the calendar the parser uses for ``PH``.
COUNTRY = "FR"


@dataclass(frozen=True)
class Day:
    date: datetime.date
    label: str
    hours: str
    is_today: bool


@dataclass(frozen=True)
class Now:
    state: str  # "open", "closed" or "unknown"
    text: str


def _parse(horaires: str) -> OpeningHours | None:
    if not horaires:
        return None
    try:
        return OpeningHours(horaires, country=COUNTRY)
    except Exception:  # the parser raises its own ParserError (and ValueError on some inputs)
        return None


@lru_cache(maxsize=8)
def public_holidays(year: int) -> dict[datetime.date, str]:
    """French public holidays of ``year`` with their French names (``holidays`` package)."""
    return dict(holidays.country_holidays(COUNTRY, years=year, language="fr"))


def _local_now(now: datetime.datetime | None) -> datetime.datetime:
    return timezone.localtime(now or timezone.now()).replace(tzinfo=None, second=0, microsecond=0)


def _hm(moment: datetime.datetime) -> str:
    return moment.strftime("%H:%M").replace(":", " h ") if moment.minute else f"{moment.hour} h"


def open_now(horaires: str, *, now: datetime.datetime | None = None) -> Now:
    """« Ouvert maintenant, jusqu'à 12 h » / « Fermé, ouvre lundi à 9 h » / unknown."""
    hours = _parse(horaires)
    if hours is None:
        return Now("unknown", _("Horaires non renseignés."))
    moment = _local_now(now)
    change = hours.next_change(moment)
    if hours.is_open(moment):
        if change is None or change.date() > moment.date() + datetime.timedelta(days=1):
            return Now("open", _("Ouvert maintenant."))
        return Now("open", _("Ouvert maintenant, jusqu'à %(time)s.") % {"time": _hm(change)})
    if change is None or change.year >= 9999:
        return Now("closed", _("Fermé."))
    if change.date() == moment.date():
        when = _("aujourd'hui à %(time)s") % {"time": _hm(change)}
    elif change.date() == moment.date() + datetime.timedelta(days=1):
        when = _("demain à %(time)s") % {"time": _hm(change)}
    else:
        when = _("%(day)s à %(time)s") % {"day": formats.date_format(change, "l j F"), "time": _hm(change)}
    return Now("closed", _("Fermé maintenant, ouvre %(when)s.") % {"when": when})


def week(horaires: str, *, now: datetime.datetime | None = None) -> list[Day]:
    """The seven days from today, each with its opening intervals (« 9 h – 12 h, 14 h – 17 h 30 » or « Fermé »)."""
    hours = _parse(horaires)
    if hours is None:
        return []
    today = _local_now(now).date()
    start = datetime.datetime.combine(today, datetime.time())
    end = start + datetime.timedelta(days=7)
    per_day: dict[datetime.date, list[str]] = {}
    for begin, finish, state, _comment in hours.intervals(start, end):
        if state != State.OPEN:
            continue
        # An interval ending at midnight ends at « 24 h » of the day it starts.
        label = f"{_hm(begin)} – {'24 h' if finish.time() == datetime.time() else _hm(finish)}"
        per_day.setdefault(begin.date(), []).append(label)
    days = []
    for offset in range(7):
        day = today + datetime.timedelta(days=offset)
        hours_text = ", ".join(per_day.get(day, [])) or _("Fermé")
        holiday = public_holidays(day.year).get(day) if "PH" in horaires else None
        if holiday and not per_day.get(day):
            # Say why a usual opening day is closed: the place's hours close on public holidays.
            hours_text = _("Fermé — %(holiday)s") % {"holiday": holiday}
        days.append(
            Day(
                date=day,
                label=formats.date_format(day, "l j F"),
                hours=hours_text,
                is_today=offset == 0,
            )
        )
    return days
