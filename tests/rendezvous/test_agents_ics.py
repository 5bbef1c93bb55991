"""Hostile files to the one path that takes a calendar (an agent's absences import): each refused with a French
reason, nothing written, the earlier absences kept, and no file costs more than a moment."""

import html
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rendezvous.models import Absence
from tests import hostile_files
from tests.factories import verify_otp
from tests.rendezvous.agents_setup import at, desk

pytestmark = pytest.mark.django_db

NOT_A_CALENDAR = "Ce fichier n'est pas un calendrier"
RULE = "règle de répétition du calendrier n'est pas prise en charge"


def _vevent(uid="x", rule="", start="20270310T090000", extra=""):
    rrule = f"RRULE:{rule}\r\n" if rule else ""
    return (
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTART;TZID=Europe/Paris:{start}\r\nDURATION:PT1H\r\n{rrule}{extra}"
        "SUMMARY:Formation\r\nEND:VEVENT\r\n"
    )


def _calendar(*events) -> bytes:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + "".join(events) + "END:VCALENDAR\r\n").encode()


ICS_HOSTILE = [
    ("vide.ics", b"", "Le fichier est vide."),
    ("enorme.ics", _calendar(_vevent()) + b" " * (1024 * 1024), "taille maximale autorisée (1 Mo)"),
    ("agenda.txt", _calendar(_vevent()), NOT_A_CALENDAR),
    ("agenda.ics", hostile_files.pdf(), NOT_A_CALENDAR),
    ("agenda.ics", b"BEGIN:VCALENDAR\r\n\x00\x00\x00END:VCALENDAR\r\n", NOT_A_CALENDAR),
    ("agenda.ics", "BEGIN:VCALENDAR\r\nSUMMARY:Réunion\r\n".encode("latin-1"), "n'est pas encodé en UTF-8"),
    ("agenda.ics", b"<html><script>alert(1)</script></html>", NOT_A_CALENDAR),
    ("agenda.ics", b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:demain\r\nEND:VEVENT\r\n", "illisible ou endommagé"),
    ("agenda.ics", _calendar(*(_vevent(uid=str(i)) for i in range(2001))), "plus de 2000 évènements"),
    ("agenda.ics", _calendar(_vevent(rule="FREQ=SECONDLY")), RULE),
    ("agenda.ics", _calendar(_vevent(rule="FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30")), RULE),
    ("agenda.ics", _calendar(_vevent(rule="FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30")), RULE),
    ("agenda.ics", _calendar(_vevent(rule="FREQ=MONTHLY;BYMONTHDAY=-31;BYDAY=2MO")), RULE),
    ("agenda.ics", _calendar(_vevent(rule="FREQ=DAILY;BYSETPOS=1")), RULE),
    (
        "agenda.ics",
        _calendar(*(_vevent(uid=str(i), rule="FREQ=DAILY") for i in range(20))),
        "plus de 5000 absences",
    ),
]


@pytest.fixture
def agent_client(client):
    d = desk()
    Absence.objects.create(agent=d.agent, starts_at=at(2, 9), ends_at=at(2, 12), title="Déjà là")
    verify_otp(client, d.agent)
    client.desk = d
    return client


def _post(client, name: str, data: bytes):
    url = reverse("backoffice:rdv_absences_import", args=[client.desk.agent.pk])
    return client.post(url, {"calendar": SimpleUploadedFile(name, data, content_type="text/calendar")})


@pytest.mark.parametrize(
    ("name", "data", "message"), ICS_HOSTILE, ids=[f"{i}-{h[0]}" for i, h in enumerate(ICS_HOSTILE)]
)
def test_a_hostile_calendar_is_refused_in_french_quickly_and_nothing_is_written(agent_client, name, data, message):
    started = time.monotonic()
    page = _post(agent_client, name, data)
    elapsed = time.monotonic() - started
    assert page.status_code == 200
    assert message in html.unescape(page.content.decode())
    assert list(Absence.objects.values_list("title", flat=True)) == ["Déjà là"]
    assert elapsed < 3, f"{elapsed:.1f} s"


@pytest.mark.parametrize("hostile", hostile_files.HOSTILE, ids=[h.key for h in hostile_files.HOSTILE])
def test_every_hostile_upload_of_the_shared_set_is_refused_as_a_calendar(agent_client, hostile):
    page = _post(agent_client, hostile.filename.rsplit(".", 1)[0] + ".ics", hostile.data)
    text = html.unescape(page.content.decode())
    assert page.status_code == 200
    assert NOT_A_CALENDAR in text or "Le fichier est vide." in text or "taille maximale" in text
    assert Absence.objects.count() == 1


def test_a_good_calendar_lands_after_a_refused_one(agent_client):
    _post(agent_client, "agenda.ics", b"<html></html>")
    page = _post(agent_client, "agenda.ics", _calendar(_vevent(uid="ok", start=at(9, 9).strftime("%Y%m%dT%H%M%S"))))
    assert page.status_code == 302
    assert Absence.objects.filter(source="ics", ics_uid__startswith="ok#").count() == 1
