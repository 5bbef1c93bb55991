"""Calendar files (RFC 5545, built with ``icalendar``): the ``.ics`` joined to a citizen's e-mail, and an
agent's private webcal feed.

Times are written in UTC (``…Z``): every calendar converts them, and no VTIMEZONE block can go stale. The
UID of an appointment is stable (``rdv-<id>@<domain>``) and its SEQUENCE grows with each change, so a
calendar that imported the confirmation updates the same event on a change notice and removes it on a
cancellation (METHOD:CANCEL).
"""

from __future__ import annotations

import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

PRODID = "-//Departement//GRC Rendez-vous//FR"


def ics_domain() -> str:
    """The right-hand side of UIDs: ``RENDEZVOUS_ICS_DOMAIN``, else the portal's host name."""
    configured = getattr(settings, "RENDEZVOUS_ICS_DOMAIN", "")
    if configured:
        return configured
    base = getattr(settings, "PORTAL_BASE_URL", "") or settings.WAGTAILADMIN_BASE_URL
    return urlsplit(base).hostname or "grc.invalid"


def event_uid(rendezvous) -> str:
    return f"rdv-{rendezvous.pk}@{ics_domain()}"


def place_line(rendezvous, *, with_address: bool = True) -> str:
    """Where: the lieu's name and address, or the modality when there is no lieu (phone, home, video)."""
    lieu = rendezvous.lieu
    if lieu is None:
        return str(rendezvous.motif.get_location_type_display())
    if not with_address:
        return lieu.name
    address = ", ".join(part for part in (lieu.address, f"{lieu.postcode} {lieu.city}".strip()) if part)
    return f"{lieu.name}, {address}" if address else lieu.name


def sequence_of(rendezvous) -> int:
    """The event's SEQUENCE: seconds between creation and the last change, so it grows with every change."""
    if rendezvous.created_at is None or rendezvous.updated_at is None:
        return 0
    return max(0, int((rendezvous.updated_at - rendezvous.created_at).total_seconds()))


def _utc(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(datetime.UTC)


def _calendar(method: str | None = None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    if method:
        calendar.add("method", method)
    return calendar


def _event(rendezvous, *, summary: str, location: str, sequence: int, cancelled: bool = False) -> Event:
    event = Event()
    event.add("uid", event_uid(rendezvous))
    event.add("dtstamp", _utc(timezone.now()))
    event.add("dtstart", _utc(rendezvous.starts_at))
    event.add("dtend", _utc(rendezvous.ends_at))
    event.add("summary", summary)
    event.add("location", location)
    event.add("sequence", sequence)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


def appointment_ics(*, rendezvous, summary: str, description: str = "", cancelled: bool = False) -> bytes:
    """The ``.ics`` joined to a notice: one event, METHOD:REQUEST (or CANCEL when ``cancelled``).

    ``summary`` is decided by the caller (it never names a sensitive motif)."""
    calendar = _calendar("CANCEL" if cancelled else "REQUEST")
    event = _event(
        rendezvous,
        summary=summary,
        location=place_line(rendezvous),
        sequence=sequence_of(rendezvous),
        cancelled=cancelled,
    )
    if description:
        event.add("description", description)
    organizer = vCalAddress(f"mailto:{settings.DEFAULT_FROM_EMAIL}")
    organizer.params["cn"] = vText(settings.WAGTAIL_SITE_NAME)
    event.add("organizer", organizer)
    calendar.add_component(event)
    return calendar.to_ical()


def agent_feed_ics(*, appointments, name: str) -> bytes:
    """An agent's webcal feed: each appointment as "Rendez-vous", its times and its lieu — no person, no motif
    (the feed lives in calendar apps outside the Département's control)."""
    calendar = _calendar()
    calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", datetime.timedelta(minutes=15), parameters={"VALUE": "DURATION"})
    for rendezvous in appointments:
        calendar.add_component(
            _event(
                rendezvous,
                summary="Rendez-vous",
                location=place_line(rendezvous, with_address=False),
                sequence=sequence_of(rendezvous),
                cancelled=rendezvous.status != rendezvous.Status.ACTIVE,
            )
        )
    return calendar.to_ical()
