"""Back-office forms of appointments: outcomes and attendance, cancellation, absences and their ICS import,
booking for a citizen, invitations. Forms validate input only; writes happen in the services the views call."""

from __future__ import annotations

import datetime

import phonenumbers
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backoffice.form_helpers import FRENCH_DATE_FORMATS, AccessibleFormMixin
from rendezvous.models import Participant
from rendezvous.services.agents import (
    DIGITAL_HELP_LEVELS,
    INVITATION_DAYS_DEFAULT,
    INVITATION_DAYS_MAX,
    OUTCOME_STATUSES,
)

TIME_FORMATS = ["%H:%M", "%Hh%M", "%Hh", "%H"]
_STATUS_LABELS = dict(Participant.Status.choices)
OUTCOME_CHOICES = [(s, _STATUS_LABELS[s]) for s in OUTCOME_STATUSES]
NOTE_MAX = 5000


def _date_field(label, *, required=True):
    return forms.DateField(
        label=label,
        required=required,
        input_formats=FRENCH_DATE_FORMATS + ["%Y-%m-%d"],
        help_text=_("Au format jj/mm/aaaa."),
        error_messages={
            "invalid": _("Saisissez une date valide au format jj/mm/aaaa."),
            "required": _("Indiquez la date."),
        },
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"inputmode": "numeric", "placeholder": "jj/mm/aaaa"}),
    )


def _time_field(label, help_text):
    return forms.TimeField(
        label=label,
        required=False,
        input_formats=TIME_FORMATS,
        help_text=help_text,
        error_messages={"invalid": _("Saisissez une heure valide, par exemple 14:30.")},
        widget=forms.TimeInput(format="%H:%M", attrs={"inputmode": "numeric", "placeholder": "hh:mm"}),
    )


class OutcomeForm(AccessibleFormMixin, forms.Form):
    """One participant's status; "vu" asks what was done (and the digital help, where it is asked)."""

    status = forms.ChoiceField(label=_("Statut"), choices=OUTCOME_CHOICES)
    outcome_note = forms.CharField(
        label=_("Ce qui a été fait"),
        required=False,
        max_length=NOTE_MAX,
        help_text=_("Obligatoire quand la personne a été vue : l'objet de l'entretien, les suites prévues."),
        error_messages={"max_length": _("Au plus %(limit_value)d caractères.")},
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    digital_help_level = forms.ChoiceField(
        label=_("Aide numérique apportée"),
        required=False,
        choices=[("", _("— non renseignée —")), *DIGITAL_HELP_LEVELS],
    )

    def __init__(self, *args, asks_digital_help: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not asks_digital_help:
            del self.fields["digital_help_level"]


class AttendanceForm(AccessibleFormMixin, forms.Form):
    """A group session's attendance: one status per participant and what was done during the session."""

    outcome_note = forms.CharField(
        label=_("Ce qui a été fait pendant la séance"),
        required=False,
        max_length=NOTE_MAX,
        help_text=_("Obligatoire dès qu'une personne est marquée vue."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, participants=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.participant_fields = []
        for participant in participants:
            name = f"p_{participant.pk}"
            self.fields[name] = forms.ChoiceField(
                label=participant.citizen.display_name, choices=OUTCOME_CHOICES, initial=participant.status
            )
            self.participant_fields.append((participant, name))

    def statuses(self) -> dict[int, str]:
        return {p.pk: self.cleaned_data[name] for p, name in self.participant_fields}


class CancelForm(AccessibleFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Motif de l'annulation"),
        max_length=255,
        error_messages={"required": _("Indiquez pourquoi le rendez-vous est annulé.")},
    )


class AbsenceForm(AccessibleFormMixin, forms.Form):
    """An absence: from a day (and time) to a day (and time); without times, whole days."""

    start_date = _date_field(_("Du"))
    start_time = _time_field(_("à partir de"), _("Laissez vide pour la journée entière."))
    end_date = _date_field(_("Au"))
    end_time = _time_field(_("jusqu'à"), _("Laissez vide pour la journée entière."))
    title = forms.CharField(label=_("Intitulé"), required=False, max_length=200, help_text=_("Par exemple : congés."))

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        tz = timezone.get_current_timezone()
        start = datetime.datetime.combine(data["start_date"], data["start_time"] or datetime.time.min, tzinfo=tz)
        end_day = data["end_date"] if data["end_time"] else data["end_date"] + datetime.timedelta(days=1)
        end = datetime.datetime.combine(end_day, data["end_time"] or datetime.time.min, tzinfo=tz)
        if end <= start:
            self.add_error("end_date", _("La fin de l'absence doit être après son début."))
        data["starts_at"], data["ends_at"] = start, end
        return data


class IcsImportForm(AccessibleFormMixin, forms.Form):
    calendar = forms.FileField(
        label=_("Fichier de calendrier (.ics)"),
        help_text=_("Exporté de votre agenda (Outlook, Thunderbird, Zimbra…) ; 1 Mo au plus."),
        error_messages={"required": _("Choisissez le fichier .ics à importer."), "empty": _("Le fichier est vide.")},
    )


class MotifLieuForm(AccessibleFormMixin, forms.Form):
    """Choosing the motif and (optionally) the lieu, for booking or for an invitation."""

    motif = forms.TypedChoiceField(
        label=_("Motif"), coerce=int, error_messages={"required": _("Choisissez un motif.")}
    )
    lieu = forms.TypedChoiceField(label=_("Lieu"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, motifs=(), lieux=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["motif"].choices = [("", _("— choisir —"))] + [(m.pk, f"{m.name} ({m.team.name})") for m in motifs]
        self.fields["lieu"].choices = [("", _("Tous les lieux"))] + [(lieu.pk, lieu.name) for lieu in lieux]


class SlotSearchForm(MotifLieuForm):
    week = _date_field(_("À partir du"), required=False)


class InvitationForm(MotifLieuForm):
    valid_days = forms.IntegerField(
        label=_("Valable pendant (jours)"),
        min_value=1,
        max_value=INVITATION_DAYS_MAX,
        initial=INVITATION_DAYS_DEFAULT,
        error_messages={
            "min_value": _("Au moins 1 jour."),
            "max_value": _("Au plus %(limit_value)s jours."),
            "invalid": _("Indiquez un nombre de jours."),
            "required": _("Indiquez la durée de validité."),
        },
    )
    send_email = forms.BooleanField(label=_("Envoyer le lien par courriel"), required=False)
    send_sms = forms.BooleanField(label=_("Envoyer le lien par SMS"), required=False)


class BookingConfirmForm(AccessibleFormMixin, forms.Form):
    """The slot chosen (hidden fields) and how to tell the person (e-mail, SMS to a mobile)."""

    motif = forms.IntegerField(widget=forms.HiddenInput)
    starts_at = forms.DateTimeField(widget=forms.HiddenInput, input_formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M"])
    agent = forms.IntegerField(widget=forms.HiddenInput)
    lieu = forms.IntegerField(widget=forms.HiddenInput, required=False)
    email = forms.EmailField(
        label=_("Adresse électronique"),
        required=False,
        error_messages={"invalid": _("Saisissez une adresse électronique valide.")},
    )
    notify_email = forms.BooleanField(label=_("Confirmation et rappel par courriel"), required=False)
    phone = forms.CharField(
        label=_("Téléphone mobile"), required=False, max_length=30, help_text=_("Pour le rappel par SMS.")
    )
    notify_sms = forms.BooleanField(label=_("Rappel par SMS"), required=False)

    def clean_phone(self):
        raw = self.cleaned_data["phone"].strip()
        if not raw:
            return ""
        try:
            number = phonenumbers.parse(raw, "FR")
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            raise forms.ValidationError(_("Ce numéro de téléphone n'est pas valide."))
        if phonenumbers.number_type(number) not in (
            phonenumbers.PhoneNumberType.MOBILE,
            phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        ):
            raise forms.ValidationError(_("Les SMS ne partent que vers un téléphone mobile."))
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    def clean(self):
        data = super().clean()
        if data.get("notify_email") and not data.get("email") and "email" not in self.errors:
            self.add_error("email", _("Indiquez l'adresse électronique à laquelle écrire."))
        if data.get("notify_sms") and not data.get("phone") and "phone" not in self.errors:
            self.add_error("phone", _("Indiquez le numéro de mobile auquel envoyer le SMS."))
        return data


class MoveSearchForm(AccessibleFormMixin, forms.Form):
    """Where and from when to look for the new slot of an appointment being moved."""

    lieu = forms.TypedChoiceField(label=_("Lieu"), coerce=int, required=False, empty_value=None)
    week = _date_field(_("À partir du"), required=False)

    def __init__(self, *args, lieux=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lieu"].choices = [("", _("Tous les lieux"))] + [(lieu.pk, lieu.name) for lieu in lieux]


class MoveForm(AccessibleFormMixin, forms.Form):
    """The new slot: its start, agent and lieu, as the slot list gives them (``<iso start>|<agent>|<lieu>``)."""

    slot = forms.CharField(
        label=_("Nouveau créneau"), max_length=80, error_messages={"required": _("Choisissez un créneau.")}
    )

    def clean_slot(self):
        raw = self.cleaned_data["slot"]
        starts, _sep, rest = raw.partition("|")
        agent, _sep, lieu = rest.partition("|")
        try:
            starts_at = datetime.datetime.fromisoformat(starts)
        except ValueError:
            starts_at = None
        if starts_at is None or starts_at.tzinfo is None or not agent.isdigit() or not (lieu.isdigit() or lieu == ""):
            raise forms.ValidationError(_("Ce créneau est illisible : choisissez-en un dans la liste."))
        return {"starts_at": starts_at, "agent": int(agent), "lieu": int(lieu) if lieu else None}


class WebhookForm(AccessibleFormMixin, forms.Form):
    """A new receiver of appointment events: its name, https address, and the teams it follows."""

    name = forms.CharField(label=_("Nom"), max_length=150, error_messages={"required": _("Indiquez un nom.")})
    url = forms.URLField(
        label=_("Adresse (https)"),
        max_length=500,
        assume_scheme="https",
        error_messages={"required": _("Indiquez l'adresse."), "invalid": _("Saisissez une adresse web valide.")},
    )
    all_teams = forms.BooleanField(label=_("Toutes les équipes"), required=False)
    teams = forms.TypedMultipleChoiceField(
        label=_("Équipes suivies"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teams"].choices = [(team.pk, team.name) for team in teams]
