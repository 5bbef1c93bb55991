"""Forms of online booking: the chosen slot and how to be told (e-mail, SMS)."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

# Slots travel as their start in whole seconds since the epoch (UTC): short, unambiguous, no time zone to parse.
SLOT_MIN = 1_700_000_000
SLOT_MAX = 4_000_000_000


def slot_value(starts_at: datetime.datetime) -> int:
    return int(starts_at.timestamp())


def slot_start(value) -> datetime.datetime | None:
    """The start a slot value designates, or ``None`` for anything that is not one (typed by hand, truncated)."""
    try:
        seconds = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    if not SLOT_MIN <= seconds <= SLOT_MAX:
        return None
    return datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)


class SlotField(forms.Field):
    """A slot's start, sent as its epoch seconds; anything else is a French error on the field."""

    widget = forms.HiddenInput
    default_error_messages = {"invalid": _("Ce créneau n'existe pas : choisissez-en un dans la liste.")}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        start = slot_start(value) if len(str(value)) <= 20 else None
        if start is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return start


class BookingForm(forms.Form):
    """Confirm a slot: where to send the confirmation and the reminder."""

    creneau = SlotField(error_messages={"required": _("Choisissez un créneau.")})
    email = forms.EmailField(
        label=_("Adresse électronique"),
        required=False,
        max_length=254,
        help_text=_("Pour recevoir la confirmation, le rappel 48 h avant et l'invitation à ajouter à votre agenda."),
    )
    notify_email = forms.BooleanField(label=_("Me prévenir par courriel"), required=False, initial=True)
    phone = forms.CharField(
        label=_("Téléphone portable"),
        required=False,
        max_length=30,
        help_text=_("Facultatif. Par exemple 06 12 34 56 78."),
    )
    notify_sms = forms.BooleanField(label=_("Me prévenir aussi par SMS"), required=False)


class MoveForm(forms.Form):
    creneau = SlotField(error_messages={"required": _("Choisissez un nouveau créneau.")})
