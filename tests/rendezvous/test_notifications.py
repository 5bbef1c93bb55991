"""Notices to citizens about their appointments: e-mail with an .ics, SMS through the configured provider,
reminders 48 hours before, every message logged; sensitive motifs never named, an SMS never names the motif."""

from __future__ import annotations

import datetime
import socket

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from icalendar import Calendar

from rendezvous.models import MessageLog, Motif, Participant, Rendezvous
from rendezvous.notifications import rdv_notify, suppressed
from rendezvous.notifications.jobs import rdv_notice_send
from rendezvous.notifications.send import NO_SMS_PROVIDER, reminders_due
from rendezvous.notifications.sms import MemoryBackend, count_segments
from rendezvous.tasks import rdv_reminders_send
from tests.factories import CitizenFactory
from tests.rendezvous.factories import LieuFactory, MotifFactory, ParticipantFactory, RendezvousFactory

pytestmark = pytest.mark.django_db

MEMORY = "rendezvous.notifications.sms.MemoryBackend"


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    settings.RENDEZVOUS_SMS_BACKEND = MEMORY
    MemoryBackend.outbox = []
    return MemoryBackend.outbox


def booked(*, hours_ahead=72, motif=None, created_days_ago=0, **participant):
    """An appointment ``hours_ahead`` from now at a lieu, with one participant reachable by e-mail and SMS."""
    motif = motif or MotifFactory(
        name="Aide au budget familial", instructions_after="Apportez vos trois derniers relevés de compte."
    )
    starts = timezone.now().replace(microsecond=0) + datetime.timedelta(hours=hours_ahead)
    rendezvous = RendezvousFactory(
        motif=motif,
        lieu=LieuFactory(name="CDAS de Vitré", address="12 rue de Paris", postcode="35500", city="Vitré"),
        starts_at=starts,
        ends_at=starts + datetime.timedelta(minutes=30),
    )
    if created_days_ago:
        Rendezvous.objects.filter(pk=rendezvous.pk).update(
            created_at=timezone.now() - datetime.timedelta(days=created_days_ago)
        )
        rendezvous.refresh_from_db()
    fields = {"email": "camille.rolland@example.org", "phone": "+33612345678", "notify_sms": True, **participant}
    ParticipantFactory(rendezvous=rendezvous, citizen=CitizenFactory(birth_name="Rolland"), **fields)
    return rendezvous


def notify(rendezvous, event, capture, **kwargs):
    with capture(execute=True):
        rdv_notify(rendezvous=rendezvous, event=event, **kwargs)


def ics_event(message):
    (name, content, mimetype) = message.attachments[0]
    assert name == "rendez-vous.ics"
    calendar = Calendar.from_ical(content)
    return calendar, next(iter(calendar.walk("VEVENT"))), mimetype


def test_confirmation_email_carries_the_appointment_and_a_calendar_file(django_capture_on_commit_callbacks):
    rendezvous = booked()
    notify(rendezvous, "created", django_capture_on_commit_callbacks)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["camille.rolland@example.org"]
    assert message.subject.startswith("Votre rendez-vous du ") and message.subject.endswith(" est confirmé")
    local = timezone.localtime(rendezvous.starts_at)
    assert f"{local:%H}h{local:%M}" in message.body
    assert "Objet : Aide au budget familial" in message.body
    assert "CDAS de Vitré, 12 rue de Paris, 35500 Vitré" in message.body
    assert "Apportez vos trois derniers relevés de compte." in message.body
    assert "/mon-espace/rendez-vous/" in message.body
    calendar, event, mimetype = ics_event(message)
    assert str(calendar["METHOD"]) == "REQUEST" and "method=REQUEST" in mimetype
    assert event.decoded("DTSTART") == rendezvous.starts_at
    assert event.decoded("DTEND") == rendezvous.ends_at
    assert str(event["SUMMARY"]) == "Rendez-vous — Aide au budget familial"
    assert str(event["UID"]) == f"rdv-{rendezvous.pk}@127.0.0.1"
    log = MessageLog.objects.get(channel="email")
    assert (log.rendezvous_id, log.kind, log.result, log.error) == (rendezvous.pk, "confirmation", "envoye", "")


def test_sms_never_names_the_motif_and_its_segments_are_logged(sms_outbox, django_capture_on_commit_callbacks):
    rendezvous = booked()
    notify(rendezvous, "created", django_capture_on_commit_callbacks)

    [(to, text)] = sms_outbox
    assert to == "+33612345678"
    assert "budget" not in text.lower() and "Aide" not in text
    assert text.startswith("Rendez-vous confirmé le ") and "CDAS de Vitré" in text
    log = MessageLog.objects.get(channel="sms")
    assert (log.kind, log.result, log.text, log.provider_id) == ("confirmation", "envoye", text, "memoire-1")
    assert log.segments == count_segments(text).count >= 1


def test_no_sms_of_any_kind_names_the_motif_or_its_category(sms_outbox, django_capture_on_commit_callbacks):
    motif = MotifFactory(name="Consultation de puériculture", category="PMI")  # visibility normal: e-mails name it
    rendezvous = booked(hours_ahead=30, created_days_ago=5, motif=motif)
    notify(rendezvous, "created", django_capture_on_commit_callbacks)
    notify(rendezvous, "changed", django_capture_on_commit_callbacks)
    assert rdv_notice_send.call(rendezvous.pk, "reminder", None) >= 1
    Rendezvous.objects.filter(pk=rendezvous.pk).update(status="annule", cancelled_at=timezone.now())
    notify(Rendezvous.objects.get(pk=rendezvous.pk), "cancelled", django_capture_on_commit_callbacks)

    texts = [text for _to, text in sms_outbox]
    assert [text.split(" ", 2)[:2] for text in texts] == [
        ["Rendez-vous", "confirmé"],
        ["Votre", "rendez-vous"],
        ["Rappel", ":"],
        ["Votre", "rendez-vous"],
    ]
    assert not [text for text in texts if "puéricult" in text.lower() or "PMI" in text]
    assert any("puériculture" in message.body for message in mail.outbox)  # the e-mail may name a normal motif


def test_a_sensitive_motif_is_never_named_nor_its_instructions(sms_outbox, django_capture_on_commit_callbacks):
    motif = MotifFactory(
        name="Entretien ASE", visibility=Motif.Visibility.MASQUE, instructions_after="Venez avec l'enfant."
    )
    rendezvous = booked(motif=motif)
    notify(rendezvous, "created", django_capture_on_commit_callbacks)

    message = mail.outbox[0]
    everything = message.subject + message.body + str(message.attachments[0][1]) + sms_outbox[0][1]
    assert "ASE" not in everything and "enfant" not in everything
    assert str(ics_event(message)[1]["SUMMARY"]) == "Rendez-vous"


def test_a_motif_not_notified_sends_nothing_at_all(sms_outbox, django_capture_on_commit_callbacks):
    rendezvous = booked(motif=MotifFactory(visibility=Motif.Visibility.NON_NOTIFIE))
    notify(rendezvous, "created", django_capture_on_commit_callbacks)
    assert mail.outbox == [] and sms_outbox == []
    assert not MessageLog.objects.exists()


def test_without_an_sms_provider_nothing_is_sent_and_the_log_says_why(settings, django_capture_on_commit_callbacks):
    settings.RENDEZVOUS_SMS_BACKEND = ""
    rendezvous = booked()
    notify(rendezvous, "created", django_capture_on_commit_callbacks)
    log = MessageLog.objects.get(channel="sms")
    assert (log.result, log.error) == ("echec", NO_SMS_PROVIDER)
    assert MessageLog.objects.get(channel="email").result == "envoye"


def test_a_participant_without_any_address_gets_a_failed_line_not_an_error(django_capture_on_commit_callbacks):
    rendezvous = booked(email="", notify_sms=False, phone="")
    notify(rendezvous, "created", django_capture_on_commit_callbacks)
    log = MessageLog.objects.get()
    assert (log.channel, log.result, log.error) == ("email", "echec", "Aucune adresse électronique connue.")


def test_a_mail_server_down_is_logged_and_the_appointment_stands(settings, django_capture_on_commit_callbacks):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    rendezvous = booked()
    notify(rendezvous, "created", django_capture_on_commit_callbacks)
    log = MessageLog.objects.get(channel="email")
    assert log.result == "echec" and log.error.startswith("Serveur de courriel : ")
    assert Rendezvous.objects.get(pk=rendezvous.pk).status == "active"
    assert MessageLog.objects.get(channel="sms").result == "envoye"


def test_a_rolled_back_booking_notifies_no_one(sms_outbox, django_capture_on_commit_callbacks):
    rendezvous = booked()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            rdv_notify(rendezvous=rendezvous, event="created")
            raise RuntimeError("booking failed")
    assert mail.outbox == [] and sms_outbox == []


def test_cancellation_notice_removes_the_event_from_calendars(sms_outbox, django_capture_on_commit_callbacks):
    rendezvous = booked()
    Rendezvous.objects.filter(pk=rendezvous.pk).update(status="annule", cancelled_at=timezone.now())
    rendezvous.participants.update(status=Participant.Status.ANNULE)
    rendezvous.refresh_from_db()
    notify(rendezvous, "cancelled", django_capture_on_commit_callbacks)

    message = mail.outbox[0]
    assert message.subject.endswith(" est annulé")
    calendar, event, _mimetype = ics_event(message)
    assert str(calendar["METHOD"]) == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == f"rdv-{rendezvous.pk}@127.0.0.1"
    assert "est annulé" in sms_outbox[0][1]
    assert set(MessageLog.objects.values_list("kind", flat=True)) == {"annulation"}


def test_a_change_notice_goes_to_people_still_expected_only(sms_outbox, django_capture_on_commit_callbacks):
    rendezvous = booked()
    ParticipantFactory(rendezvous=rendezvous, email="parti@example.org", status=Participant.Status.EXCUSE)
    notify(rendezvous, "changed", django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [["camille.rolland@example.org"]]
    assert mail.outbox[0].subject.startswith("Votre rendez-vous a été modifié")


def test_one_person_joining_a_group_session_alone_is_told(django_capture_on_commit_callbacks):
    rendezvous = booked()
    newcomer = ParticipantFactory(rendezvous=rendezvous, email="nouvelle@example.org")
    notify(rendezvous, "created", django_capture_on_commit_callbacks, participant=newcomer)
    assert [m.to for m in mail.outbox] == [["nouvelle@example.org"]]


def test_an_appointment_already_begun_gets_no_notice(sms_outbox, django_capture_on_commit_callbacks):
    rendezvous = booked(hours_ahead=-1)
    notify(rendezvous, "created", django_capture_on_commit_callbacks)
    assert mail.outbox == [] and sms_outbox == [] and not MessageLog.objects.exists()


def test_seeding_inside_suppressed_sends_nothing(django_capture_on_commit_callbacks):
    rendezvous = booked()
    with suppressed():
        notify(rendezvous, "created", django_capture_on_commit_callbacks)
    assert mail.outbox == []


def test_unknown_event_is_refused():
    with pytest.raises(ValueError):
        rdv_notify(rendezvous=booked(), event="moved")


# --- reminders ------------------------------------------------------------------------------------------


def test_reminder_goes_once_within_48_hours_and_never_for_past_or_cancelled(sms_outbox):
    due = booked(hours_ahead=47, created_days_ago=10)
    booked(hours_ahead=49, created_days_ago=10)  # not yet in the window
    booked(hours_ahead=-2, created_days_ago=10)  # passed
    cancelled = booked(hours_ahead=30, created_days_ago=10)
    Rendezvous.objects.filter(pk=cancelled.pk).update(status="annule", cancelled_at=timezone.now())
    booked(hours_ahead=20, created_days_ago=0)  # booked yesterday: its confirmation is recent

    assert rdv_reminders_send.call() == 1
    assert [m.subject.startswith("Rappel : votre rendez-vous du ") for m in mail.outbox] == [True]
    assert sms_outbox[0][1].startswith("Rappel : rendez-vous le ")
    assert set(MessageLog.objects.values_list("rendezvous_id", "kind")) == {(due.pk, "rappel")}
    assert Rendezvous.objects.get(pk=due.pk).reminder_sent_at is not None

    assert rdv_reminders_send.call() == 0  # once only
    assert len(mail.outbox) == 1


def test_a_reminder_claimed_then_cancelled_before_the_worker_runs_is_not_sent(sms_outbox):
    rendezvous = booked(hours_ahead=40, created_days_ago=5)
    assert reminders_due() == [rendezvous.pk]
    Rendezvous.objects.filter(pk=rendezvous.pk).update(status="annule", cancelled_at=timezone.now())
    assert rdv_notice_send.call(rendezvous.pk, "reminder", None) == 0
    assert mail.outbox == [] and sms_outbox == []


def test_the_reminder_job_is_scheduled(settings):
    job = settings.SCHEDULED_JOBS["appointment_reminders"]
    assert job == {"task": "rendezvous.tasks.rdv_reminders_send", "every_minutes": 10}


def test_a_move_beyond_the_window_re_arms_the_reminder(sms_outbox, django_capture_on_commit_callbacks):
    rendezvous = booked(hours_ahead=30, created_days_ago=10)
    assert rdv_reminders_send.call() == 1
    later = rendezvous.starts_at + datetime.timedelta(days=7)
    Rendezvous.objects.filter(pk=rendezvous.pk).update(starts_at=later, ends_at=later + datetime.timedelta(minutes=30))
    rendezvous.refresh_from_db()
    notify(rendezvous, "changed", django_capture_on_commit_callbacks)
    assert Rendezvous.objects.get(pk=rendezvous.pk).reminder_sent_at is None
    assert rdv_reminders_send.call() == 0  # not yet: seven days and six hours ahead
    assert reminders_due(now=later - datetime.timedelta(hours=47)) == [rendezvous.pk]
