"""Reading an agent's absences from an ICS file (their Outlook / Thunderbird / Zimbra calendar export).

The file comes from outside, so it is treated like every upload (``grc.uploads``: French refusal messages,
the same ``UploadRefused`` with a stable code, limits read from settings): nothing of a refused file is
kept, and what the file claims never decides how much work is done.

What is refused, in this order: an empty file; a file over ``RENDEZVOUS_ICS_MAX_BYTES`` (1 MB by default);
a name that does not end in ``.ics``; bytes of another known type (PDF, image, office file or archive —
``grc.filetypes.sniff``), NUL bytes, or text that is not UTF-8; text that is not a ``VCALENDAR``; more than
``RENDEZVOUS_ICS_MAX_EVENTS`` events (2,000); a file the icalendar parser cannot read; a recurrence more
frequent than daily (an absence does not repeat every hour) or one that expands past
``RENDEZVOUS_ICS_MAX_OCCURRENCES`` (5,000) occurrences in the import window. Recurrences are expanded only
inside the window (from today, 365 days ahead by default), each bounded by the window's end, so a rule
without end or an impossible one (30 February) costs at most a year of days.

Kept from each busy event: its start, its end and its summary (200 characters, control characters
removed). Not kept: descriptions, attendees, attachments, alarms. Events marked free (``TRANSP:
TRANSPARENT``) or cancelled are not absences. A floating time (no zone) is read in ``TIME_ZONE``.
"""

from __future__ import annotations

import calendar
import datetime
import hashlib
import os
import re
import time
import zoneinfo
from dataclasses import dataclass
from itertools import islice

import icalendar
from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrulestr
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from grc import filetypes
from grc.uploads import UploadRefused, clean_name, human_size

DEFAULT_MAX_BYTES = 1024 * 1024
DEFAULT_MAX_EVENTS = 2000
DEFAULT_MAX_OCCURRENCES = 5000
DEFAULT_WINDOW_DAYS = 365
# Wall-clock budget of one expansion: the limits above keep real files far below it.
EXPANSION_SECONDS = 5.0
_ALLOWED_FREQUENCIES = {YEARLY, MONTHLY, WEEKLY, DAILY}
# The rule parts read per frequency. Others are refused: dateutil searches an impossible rule ("every day of
# 30 February") year after year up to 9999, seconds of work for a few bytes of file; with these parts the
# worst rule costs a loop per month or year, milliseconds.
_COMMON_PARTS = {"FREQ", "INTERVAL", "COUNT", "UNTIL", "WKST", "BYDAY"}
_ALLOWED_PARTS = {
    "DAILY": _COMMON_PARTS,
    "WEEKLY": _COMMON_PARTS,
    "MONTHLY": _COMMON_PARTS | {"BYMONTHDAY"},
    "YEARLY": _COMMON_PARTS | {"BYMONTHDAY", "BYMONTH"},
}
_ORDINAL = re.compile(r"^([+-]?\d*)")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


@dataclass(frozen=True)
class BusyPeriod:
    """One absence read from the file: ``uid`` is unique per occurrence (the UID and the start)."""

    uid: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    title: str


def _refuse(message: str, code: str) -> UploadRefused:
    return UploadRefused(message, code)


def _read_text(upload) -> str:
    size = getattr(upload, "size", None)
    max_bytes = _setting("RENDEZVOUS_ICS_MAX_BYTES", DEFAULT_MAX_BYTES)
    if size is not None and size > max_bytes:
        raise _refuse(
            _("Le fichier dépasse la taille maximale autorisée (%(max)s).") % {"max": human_size(max_bytes)}, "too_big"
        )
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    upload.seek(0)
    if not data:
        raise _refuse(_("Le fichier est vide."), "empty")
    if len(data) > max_bytes:
        raise _refuse(
            _("Le fichier dépasse la taille maximale autorisée (%(max)s).") % {"max": human_size(max_bytes)}, "too_big"
        )
    not_a_calendar = _("Ce fichier n'est pas un calendrier : déposez un fichier .ics exporté de votre agenda.")
    extension = os.path.splitext(clean_name(upload, ""))[1].lower()
    if extension != ".ics":
        raise _refuse(not_a_calendar, "bad_format")
    if filetypes.sniff(data[:16]) is not None or b"\x00" in data:
        raise _refuse(not_a_calendar, "bad_format")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _refuse(
            _("Le calendrier n'est pas encodé en UTF-8 : exportez-le à nouveau depuis votre agenda."), "encoding"
        ) from None
    if not text.lstrip().upper().startswith("BEGIN:VCALENDAR"):
        raise _refuse(not_a_calendar, "bad_format")
    max_events = _setting("RENDEZVOUS_ICS_MAX_EVENTS", DEFAULT_MAX_EVENTS)
    if text.upper().count("BEGIN:VEVENT") > max_events:
        raise _refuse(
            _("Le calendrier contient plus de %(max)s évènements : exportez seulement les mois à venir.")
            % {"max": max_events},
            "too_many_events",
        )
    return text


def _aware(value, tz) -> datetime.datetime:
    """A datetime for a DATE or DATE-TIME value: dates at local midnight, floating times in ``tz``."""
    if isinstance(value, datetime.datetime):
        return value if timezone.is_aware(value) else value.replace(tzinfo=tz)
    return datetime.datetime.combine(value, datetime.time.min, tzinfo=tz)


def _title(event) -> str:
    summary = str(event.get("summary", "") or "")
    return _CONTROL.sub(" ", summary).strip()[:200]


def _occurrence_uid(uid: str, start: datetime.datetime) -> str:
    value = f"{uid}#{start.astimezone(datetime.UTC):%Y%m%dT%H%M%SZ}"
    if len(value) <= 255:
        return value
    return "sha256:" + hashlib.sha256(value.encode()).hexdigest()


def _possible(rule, frequency: str) -> bool:
    """Whether the rule can have occurrences at all (dateutil would search an impossible one until year 9999).

    Refused: a numbered weekday together with month days ("the 2nd Monday that is the 31st"), a weekday number
    beyond what a month (5) or a year (53) holds, and month days no chosen month has (30 February).
    """
    try:
        months = [int(m) for m in rule.get("BYMONTH", [])] or list(range(1, 13))
        days = [int(d) for d in rule.get("BYMONTHDAY", [])]
        ordinals = [int(_ORDINAL.match(str(d)).group(1) or 0) for d in rule.get("BYDAY", [])]
    except (TypeError, ValueError, AttributeError):
        return False
    if any(m < 1 or m > 12 for m in months) or (days and any(ordinals)):
        return False
    limit = 5 if frequency == "MONTHLY" or "BYMONTH" in rule else 53
    if any(abs(o) > limit for o in ordinals):
        return False
    return not days or any(0 < abs(d) <= calendar.monthrange(2024, m)[1] for m in months for d in days)


def _expand(event, start, duration, *, window, budget, deadline, overridden) -> list[datetime.datetime]:
    """The starts of ``event``'s occurrences that overlap ``window`` (start, end), the first one included.

    The rule is expanded in the event's own wall-clock time (a weekly 9:00 stays 9:00 across the change to
    summer time), without the occurrences ``overridden`` by a RECURRENCE-ID or excluded by EXDATE.
    """
    window_start, window_end = window
    rule = event.get("rrule")
    if rule is None:
        return [start] if start + duration > window_start and start < window_end else []
    too_complex = _refuse(
        _(
            "Une règle de répétition du calendrier n'est pas prise en charge : seules les répétitions simples "
            "(chaque jour, semaine, mois ou année) sont importées."
        ),
        "recurrence",
    )
    frequency = "".join(str(f) for f in rule.get("FREQ", [])).upper()
    parts = {str(key).upper() for key in rule}
    if frequency not in _ALLOWED_PARTS or not parts <= _ALLOWED_PARTS[frequency]:
        raise too_complex
    if frequency in ("DAILY", "WEEKLY") and any(any(c.isdigit() for c in str(d)) for d in rule.get("BYDAY", [])):
        raise too_complex
    if not _possible(rule, frequency):
        raise too_complex
    tz = start.tzinfo
    local_end = window_end.astimezone(tz).replace(tzinfo=None)
    try:
        parsed = rrulestr(rule.to_ical().decode(), dtstart=start.replace(tzinfo=None), ignoretz=True)
        if getattr(parsed, "_freq", None) not in _ALLOWED_FREQUENCIES:
            raise too_complex
        count = parsed._count
        until = local_end if parsed._until is None else min(local_end, parsed._until)
        # COUNT is taken over by islice below: dateutil refuses COUNT and UNTIL together.
        bounded = parsed.replace(count=None, until=until)
    except (ValueError, TypeError, OverflowError):
        raise too_complex from None
    excluded = set(overridden)
    exdates = event.get("exdate")
    for exdate in exdates if isinstance(exdates, list) else [exdates]:
        if exdate is not None:
            excluded.update(_aware(d.dt, tz) for d in exdate.dts)
    starts = []
    for index, naive in enumerate(islice(bounded, count)):
        if index % 256 == 0 and time.monotonic() > deadline:
            raise too_complex
        occurrence = naive.replace(tzinfo=tz)
        if occurrence in excluded or occurrence + duration <= window_start:
            continue
        starts.append(occurrence)
        if len(starts) > budget:
            raise _refuse(
                _("Le calendrier donne plus de %(max)s absences sur l'année à venir : il n'est pas importé.")
                % {"max": _setting("RENDEZVOUS_ICS_MAX_OCCURRENCES", DEFAULT_MAX_OCCURRENCES)},
                "too_many_occurrences",
            )
    return starts


def _corrupt() -> UploadRefused:
    return _refuse(
        _("Le calendrier est illisible ou endommagé : exportez-le à nouveau depuis votre agenda."), "corrupt"
    )


def _bounds(event, tz) -> tuple[datetime.datetime, datetime.datetime] | None:
    """(start, end) of a busy event; None for a free, cancelled, dateless or empty one."""
    if str(event.get("transp", "")).upper() == "TRANSPARENT" or str(event.get("status", "")).upper() == "CANCELLED":
        return None
    dtstart = event.get("dtstart")
    if dtstart is None:
        return None
    try:
        start = _aware(dtstart.dt, tz)
        if event.get("dtend") is not None:
            end = _aware(event.get("dtend").dt, tz)
        elif event.get("duration") is not None:
            end = start + event.get("duration").dt
        else:
            end = start + datetime.timedelta(days=0 if isinstance(dtstart.dt, datetime.datetime) else 1)
    except (AttributeError, TypeError, ValueError, OverflowError) as error:
        raise _corrupt() from error
    return (start, end) if end > start else None


def _uid(event) -> str:
    return str(event.get("uid", "") or "") or hashlib.sha256(event.to_ical()).hexdigest()


def busy_periods(upload, *, now: datetime.datetime | None = None) -> list[BusyPeriod]:
    """The busy periods of the calendar ``upload`` from today to the end of the import window.

    Raises ``UploadRefused`` (French message, see the module docstring) for a file that is not a calendar
    we read safely. Events without an end last one day (all-day) or zero minutes (skipped).
    """
    text = _read_text(upload)
    try:
        calendar = icalendar.Calendar.from_ical(text)
        events = list(calendar.walk("VEVENT"))
    except Exception as error:  # noqa: BLE001 — the parser raises ValueError, KeyError, IndexError… on bad input
        raise _corrupt() from error
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    today = datetime.datetime.combine(timezone.localtime(now or timezone.now()).date(), datetime.time.min, tzinfo=tz)
    window = (today, today + datetime.timedelta(days=_setting("RENDEZVOUS_ICS_WINDOW_DAYS", DEFAULT_WINDOW_DAYS)))
    budget = _setting("RENDEZVOUS_ICS_MAX_OCCURRENCES", DEFAULT_MAX_OCCURRENCES)
    deadline = time.monotonic() + EXPANSION_SECONDS
    # A modified occurrence (RECURRENCE-ID) is its own event and replaces the one its series would give.
    overridden: dict[str, set] = {}
    for event in events:
        if event.get("recurrence-id") is not None:
            try:
                overridden.setdefault(_uid(event), set()).add(_aware(event.get("recurrence-id").dt, tz))
            except (AttributeError, TypeError, ValueError) as error:
                raise _corrupt() from error
    periods: dict[str, BusyPeriod] = {}
    for event in events:
        bounds = _bounds(event, tz)
        if bounds is None:
            continue
        start, end = bounds
        uid = _uid(event)
        series_exceptions = overridden.get(uid, set()) if event.get("recurrence-id") is None else set()
        for occurrence in _expand(
            event,
            start,
            end - start,
            window=window,
            budget=budget - len(periods),
            deadline=deadline,
            overridden=series_exceptions,
        ):
            key = _occurrence_uid(uid, occurrence)
            periods[key] = BusyPeriod(
                uid=key, starts_at=occurrence, ends_at=occurrence + (end - start), title=_title(event)
            )
    return sorted(periods.values(), key=lambda p: (p.starts_at, p.uid))
