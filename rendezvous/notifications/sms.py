"""SMS: phone numbers, segment counting and the provider interface chosen by ``RENDEZVOUS_SMS_BACKEND``.

A backend is a class with ``send(*, to, text) -> SmsSent`` that raises :class:`SmsError` (a French, nameless
message) when the provider refuses or cannot be reached. Three are provided:

- ``rendezvous.notifications.sms.ConsoleBackend``: development, writes the message on standard output;
- ``rendezvous.notifications.sms.MemoryBackend``: keeps messages in ``outbox`` (tests, like Django's locmem mail);
- ``rendezvous.notifications.sms.BrevoBackend``: Brevo's transactional SMS through its maintained client
  ``brevo-python`` (``BREVO_API_KEY``, ``RENDEZVOUS_SMS_SENDER``, ``RENDEZVOUS_SMS_BREVO_BASE_URL``).

An empty setting means no provider: nothing is sent and the message log says so.
"""

from __future__ import annotations

import dataclasses
import sys

import httpx
import phonenumbers
from brevo import Brevo
from brevo.core.api_error import ApiError
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

# GSM 03.38: the basic character set (one septet each) and its extension table (escape + one septet).
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€\f")
GSM7_SINGLE, GSM7_PART = 160, 153  # septets; a concatenated part loses 7 to its header
UCS2_SINGLE, UCS2_PART = 70, 67  # UTF-16 code units


class SmsError(Exception):
    """The provider refused the message or could not be reached (the message says why, in French, no number)."""


@dataclasses.dataclass(frozen=True)
class SmsSent:
    provider_id: str = ""


@dataclasses.dataclass(frozen=True)
class Segments:
    encoding: str  # "GSM-7" or "UCS-2"
    count: int
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)


def is_gsm7(text: str) -> bool:
    """Whether every character of ``text`` is in the GSM 03.38 alphabet (basic or extension table)."""
    return all(char in GSM7_BASIC or char in GSM7_EXTENDED for char in text)


def count_segments(text: str) -> Segments:
    """How many SMS ``text`` is billed as.

    GSM-7 when every character is in the GSM alphabet: 160 septets in one SMS, else parts of 153; an
    extension character (``€``, ``[``…) takes two septets and is never split across two parts. Otherwise
    UCS-2: 70 code units in one SMS, else parts of 67, a surrogate pair (an emoji) never split.
    """
    if not text:
        return Segments("GSM-7", 0, 0)
    if is_gsm7(text):
        sizes = [2 if char in GSM7_EXTENDED else 1 for char in text]
        single, part, encoding = GSM7_SINGLE, GSM7_PART, "GSM-7"
    else:
        sizes = [2 if ord(char) > 0xFFFF else 1 for char in text]
        single, part, encoding = UCS2_SINGLE, UCS2_PART, "UCS-2"
    units = sum(sizes)
    if units <= single:
        return Segments(encoding, 1, units)
    count, used = 1, 0
    for size in sizes:
        if used + size > part:
            count, used = count + 1, 0
        used += size
    return Segments(encoding, count, units)


def normalise_mobile(value: str, *, region: str = "FR") -> str:
    """A mobile number as E.164 (``+33612345678``), or a French ``ValidationError``.

    Numbers without a country code are read as French. A fixed line cannot receive an SMS: refused.
    """
    raw = (value or "").strip()
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise ValidationError(_("Numéro de téléphone illisible."), code="phone") from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("Ce numéro de téléphone n'existe pas."), code="phone")
    kind = phonenumbers.number_type(number)
    if kind not in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
        raise ValidationError(_("Ce numéro n'est pas un numéro de portable : il ne peut pas recevoir de SMS."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class ConsoleBackend:
    """Development: the SMS is written on standard output, never sent."""

    def send(self, *, to: str, text: str) -> SmsSent:
        sys.stdout.write(f"--- SMS à {to} ---\n{text}\n---\n")
        return SmsSent(provider_id="console")


class MemoryBackend:
    """Tests: messages kept in ``MemoryBackend.outbox`` [(to, text)], like Django's locmem e-mail backend."""

    outbox: list[tuple[str, str]] = []

    def send(self, *, to: str, text: str) -> SmsSent:
        MemoryBackend.outbox.append((to, text))
        return SmsSent(provider_id=f"memoire-{len(MemoryBackend.outbox)}")


class BrevoBackend:
    """Brevo transactional SMS (``POST /v3/transactionalSMS/sms``) through the ``brevo-python`` client."""

    def __init__(self):
        self.client = Brevo(
            api_key=settings.BREVO_API_KEY,
            base_url=settings.RENDEZVOUS_SMS_BREVO_BASE_URL,
            timeout=settings.RENDEZVOUS_SMS_TIMEOUT,
            # A failed send is retried by nobody but the log: a resend after a timeout could text twice.
            max_retries=0,
        )

    def send(self, *, to: str, text: str) -> SmsSent:
        if not settings.BREVO_API_KEY:
            raise SmsError(_("Clé d'API Brevo absente (BREVO_API_KEY)."))
        try:
            response = self.client.transactional_sms.send_transac_sms(
                recipient=to.lstrip("+"),
                sender=settings.RENDEZVOUS_SMS_SENDER,
                content=text,
                type="transactional",
                unicode_enabled=not is_gsm7(text),
                tag="rendez-vous",
            )
        except httpx.HTTPError as error:
            raise SmsError(_("Prestataire SMS injoignable (%(error)s).") % {"error": type(error).__name__}) from None
        except ApiError as error:
            status = error.status_code
            raise SmsError(_("Refusé par le prestataire SMS (statut %(status)s).") % {"status": status}) from None
        return SmsSent(provider_id=str(response.message_id))


def backend():
    """The configured backend, or None when ``RENDEZVOUS_SMS_BACKEND`` is empty (SMS switched off)."""
    path = getattr(settings, "RENDEZVOUS_SMS_BACKEND", "")
    return import_string(path)() if path else None
