"""Sending the notices of one appointment (run by the worker, never inside a request) and the reminders.

Every attempt is one ``MessageLog`` row per participant and channel — sent or failed, with the reason —
so an agent can tell a citizen "the SMS left on …" or "no address was known". Application logs carry ids
and counts only (no address, number or text).
"""

from __future__ import annotations

import datetime
import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import MessageLog, Participant, Rendezvous
from . import messages, sms
from .ics import appointment_ics

logger = logging.getLogger(__name__)

# Who hears of what: a cancelled participant still hears that the appointment is cancelled; a person
# already seen, excused or absent hears nothing more.
RECIPIENT_STATUSES = {
    "confirmation": {Participant.Status.A_VENIR},
    "modification": {Participant.Status.A_VENIR},
    "rappel": {Participant.Status.A_VENIR},
    "annulation": {Participant.Status.A_VENIR, Participant.Status.ANNULE},
}
NO_SMS_PROVIDER = "Aucun prestataire SMS configuré (RENDEZVOUS_SMS_BACKEND)."


def _load(rendezvous_id: int) -> Rendezvous | None:
    return (
        Rendezvous.objects.select_related("motif", "lieu")
        .filter(pk=rendezvous_id)
        .prefetch_related("participants__citizen__user")
        .first()
    )


def _log(**fields) -> MessageLog:
    fields["error"] = (fields.get("error") or "")[:500]
    return MessageLog.objects.create(**fields)


def _email(rendezvous, participant, kind: str) -> MessageLog | None:
    if not participant.notify_email:
        return None
    to = messages.email_recipient(participant)
    log = {"rendezvous": rendezvous, "participant": participant, "channel": MessageLog.Channel.EMAIL, "kind": kind}
    if not to:
        return _log(**log, result=MessageLog.Result.ECHEC, error=_("Aucune adresse électronique connue."))
    email = EmailMessage(
        subject=messages.email_subject(rendezvous, kind), body=messages.email_body(rendezvous, kind), to=[to]
    )
    ics = appointment_ics(rendezvous=rendezvous, summary=messages.summary(rendezvous), cancelled=kind == "annulation")
    email.attach("rendez-vous.ics", ics, "text/calendar; method=" + ("CANCEL" if kind == "annulation" else "REQUEST"))
    try:
        email.send()
    except (smtplib.SMTPException, OSError) as error:
        logger.warning("rendez-vous %s: e-mail %s not sent (%s)", rendezvous.pk, kind, type(error).__name__)
        return _log(
            **log,
            result=MessageLog.Result.ECHEC,
            error=_("Serveur de courriel : %(error)s") % {"error": type(error).__name__},
        )
    return _log(**log, result=MessageLog.Result.ENVOYE)


def _sms(rendezvous, participant, kind: str, provider) -> MessageLog | None:
    if not (participant.notify_sms and participant.phone):
        return None
    text = messages.sms_text(rendezvous, kind)
    segments = sms.count_segments(text).count
    log = {
        "rendezvous": rendezvous,
        "participant": participant,
        "channel": MessageLog.Channel.SMS,
        "kind": kind,
        "text": text,
        "segments": segments,
    }
    if provider is None:
        return _log(**log, result=MessageLog.Result.ECHEC, error=NO_SMS_PROVIDER)
    try:
        sent = provider.send(to=participant.phone, text=text)
    except sms.SmsError as error:
        logger.warning("rendez-vous %s: SMS %s not sent", rendezvous.pk, kind)
        return _log(**log, result=MessageLog.Result.ECHEC, error=str(error))
    return _log(**log, result=MessageLog.Result.ENVOYE, provider_id=sent.provider_id[:120])


def notice_send(*, rendezvous_id: int, event: str, participant_id: int | None = None) -> list[MessageLog]:
    """Send the notice of ``event`` (created, changed, cancelled, reminder) to the appointment's participants
    (or to ``participant_id`` only), by e-mail and SMS as each chose. Returns the log rows written.

    Nothing is sent for a motif that is "non notifié", nor for an appointment already begun; a reminder
    needs the appointment still active."""
    kind = messages.KIND_OF_EVENT[event]
    rendezvous = _load(rendezvous_id)
    if rendezvous is None or rendezvous.motif.visibility == rendezvous.motif.Visibility.NON_NOTIFIE:
        return []
    if rendezvous.starts_at <= timezone.now():
        return []
    if kind != "annulation" and rendezvous.status != Rendezvous.Status.ACTIVE:
        return []
    provider = sms.backend()
    written = []
    for participant in rendezvous.participants.all():
        if participant_id is not None and participant.pk != participant_id:
            continue
        if participant.status not in RECIPIENT_STATUSES[kind]:
            continue
        for log in (_email(rendezvous, participant, kind), _sms(rendezvous, participant, kind, provider)):
            if log is not None:
                written.append(log)
    return written


def reminders_due(*, now: datetime.datetime | None = None) -> list[int]:
    """Claim the active appointments starting within ``RENDEZVOUS_REMINDER_HOURS`` (48 by default) whose
    reminder has not gone, and mark them sent: returns their ids, each claimed by one scheduler run only
    (``FOR UPDATE SKIP LOCKED``). An appointment already begun or cancelled is never claimed, nor one booked
    inside the window (its confirmation is recent)."""
    now = now or timezone.now()
    window = datetime.timedelta(hours=getattr(settings, "RENDEZVOUS_REMINDER_HOURS", 48))
    horizon = now + window
    with transaction.atomic():
        ids = list(
            Rendezvous.objects.select_for_update(skip_locked=True)
            .filter(status=Rendezvous.Status.ACTIVE, reminder_sent_at__isnull=True, starts_at__gt=now)
            .filter(starts_at__lte=horizon)
            # Booked inside the window: the confirmation has just said it all.
            .filter(created_at__lt=F("starts_at") - window)
            .order_by("starts_at")
            .values_list("pk", flat=True)
        )
        Rendezvous.objects.filter(pk__in=ids).update(reminder_sent_at=now)
    return ids
