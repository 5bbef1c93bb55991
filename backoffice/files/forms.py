"""Back-office forms of the social file: caseload filters, notes, documents, members, grants,
accompaniments and emergency access.

Forms validate input only; the rules (who may, what is allowed) are enforced again by
``dossier_unique.services``, whose ``ValidationError`` the views turn into field errors.
"""

from __future__ import annotations

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from backoffice.form_helpers import FRENCH_DATE_FORMATS, AccessibleFormMixin
from backoffice.widgets import FastSelect
from dossier_unique.limits import EMERGENCY_REASON_MIN_LENGTH, emergency_access_max_hours, note_too_long_message
from dossier_unique.models import (
    NOTE_MAX_LENGTH,
    Accompaniment,
    Document,
    Note,
    Programme,
    SharingGrant,
    TimelineEntry,
    Visibility,
)
from grc.uploads import UploadField

DATE_INPUT_FORMATS = ["%Y-%m-%d", *FRENCH_DATE_FORMATS]
# Reasons, purposes and observations on a social file: a few paragraphs; the long account is a note.
REASON_MAX_LENGTH = 2000


def _blank(label):
    return [("", label)]


def _agent_by_email(email: str):
    """The active staff account with this email, or a French ValidationError."""
    user = get_user_model().objects.filter(email__iexact=email.strip(), is_staff=True, is_active=True).first()
    if user is None:
        raise ValidationError(_("Aucun agent du Département n'a cette adresse électronique."))
    return user


class TeamChoicesMixin:
    """Team choices computed once per page (a list of ``(pk, name)``) instead of one query per form."""

    def _set_teams(self, name, teams, *, blank_label):
        self._teams = {team.pk: team for team in teams}
        self.fields[name].choices = _blank(blank_label) + [(team.pk, team.name) for team in teams]

    def _team(self, value):
        if value in (None, ""):
            return None
        team = self._teams.get(int(value))
        if team is None:
            raise ValidationError(_("Choisissez une équipe dans la liste."))
        return team


class AccompanimentTeamMixin(TeamChoicesMixin):
    """The ``team`` (from the page's team list) and optional ``referent`` (an agent, by email) fields."""

    def clean_team(self):
        return self._team(self.cleaned_data.get("team"))

    def clean_referent(self):
        email = self.cleaned_data.get("referent")
        return _agent_by_email(email) if email else None


# --- lists ----------------------------------------------------------------------------------


class CaseloadFilterForm(AccessibleFormMixin, forms.Form):
    STATUS_CHOICES = [
        ("", _("Tous")),
        ("open", _("Accompagnement en cours")),
        ("closed", _("Sans accompagnement en cours")),
    ]
    CONTACT_CHOICES = [
        ("", _("Indifférent")),
        ("30", _("Contact dans les 30 derniers jours")),
        ("90", _("Sans contact depuis plus de 90 jours")),
    ]

    programme = forms.ChoiceField(label=_("Dispositif"), required=False, choices=_blank(_("Tous")) + Programme.choices)
    statut = forms.ChoiceField(label=_("Accompagnement"), required=False, choices=STATUS_CHOICES)
    referent = forms.BooleanField(label=_("Dont je suis référent·e"), required=False)
    contact = forms.ChoiceField(label=_("Dernier contact"), required=False, choices=CONTACT_CHOICES)

    def querystring(self) -> str:
        if not self.is_bound or not self.is_valid():
            return ""
        return urlencode({k: ("1" if v is True else v) for k, v in self.cleaned_data.items() if v})


class TimelineFilterForm(AccessibleFormMixin, forms.Form):
    programme = forms.ChoiceField(label=_("Dispositif"), required=False, choices=_blank(_("Tous")) + Programme.choices)
    type = forms.ChoiceField(
        label=_("Type d'événement"), required=False, choices=_blank(_("Tous")) + TimelineEntry.Kind.choices
    )


# --- writes on the file ------------------------------------------------------------------------


class AccompanimentChoiceMixin:
    """An optional accompaniment of this file, from a list fetched once for the page."""

    def _set_accompaniments(self, accompaniments):
        self._accompaniments = {a.pk: a for a in accompaniments}
        self.fields["accompaniment"].choices = _blank(_("Aucun (tout le dossier)")) + [
            (a.pk, str(a)) for a in accompaniments
        ]

    def clean_accompaniment(self):
        value = self.cleaned_data.get("accompaniment")
        if value in (None, ""):
            return None
        accompaniment = self._accompaniments.get(int(value))
        if accompaniment is None:
            raise ValidationError(_("Choisissez un accompagnement de ce dossier."))
        return accompaniment


class NoteForm(AccompanimentChoiceMixin, AccessibleFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Type de note"), choices=Note.Kind.choices)
    visibility = forms.ChoiceField(
        label=_("Visibilité"),
        choices=Visibility.choices,
        initial=Visibility.FILE,
        help_text=_("« Équipe » : seule l'équipe de l'accompagnement choisi lira la note."),
    )
    accompaniment = forms.TypedChoiceField(label=_("Accompagnement"), required=False, coerce=int, empty_value=None)
    # No max_length here: its maxlength attribute would make the browser cut a long paste silently; the
    # form says how long the note is and gives the whole text back instead.
    text = forms.CharField(label=_("Texte de la note"), widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args, accompaniments=(), **kwargs):
        kwargs.setdefault("prefix", "note")
        super().__init__(*args, **kwargs)
        self._set_accompaniments(accompaniments)

    def clean_text(self):
        text = self.cleaned_data["text"]
        if len(text) > NOTE_MAX_LENGTH:
            raise ValidationError(note_too_long_message(len(text)), code="max_length")
        return text


class DocumentForm(AccompanimentChoiceMixin, AccessibleFormMixin, forms.Form):
    upload = UploadField(
        label=_("Fichier"),
        help_text=_("PDF, image PNG ou JPEG, document Word, Excel ou OpenDocument ; 20 Mo au plus."),
    )
    doc_type = forms.ChoiceField(label=_("Type de document"), choices=Document.DocType.choices)
    accompaniment = forms.TypedChoiceField(label=_("Accompagnement"), required=False, coerce=int, empty_value=None)
    tags = forms.CharField(
        label=_("Étiquettes"), required=False, max_length=255, help_text=_("Séparées par des virgules.")
    )
    confidential = forms.BooleanField(
        label=_("Confidentiel"),
        required=False,
        help_text=_("Réservé à l'équipe de l'accompagnement et aux intervenants habilités."),
    )

    def __init__(self, *args, accompaniments=(), **kwargs):
        kwargs.setdefault("prefix", "document")
        super().__init__(*args, **kwargs)
        self._set_accompaniments(accompaniments)


class MemberAddForm(AccessibleFormMixin, forms.Form):
    email = forms.EmailField(label=_("Adresse électronique de l'agent"))
    role = forms.CharField(label=_("Rôle"), max_length=150, help_text=_("Par exemple : psychologue, puéricultrice."))
    may_see_personal_details = forms.BooleanField(label=_("Peut voir les documents confidentiels"), required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "member")
        super().__init__(*args, **kwargs)

    def clean_email(self):
        return _agent_by_email(self.cleaned_data["email"])


class GrantForm(TeamChoicesMixin, AccessibleFormMixin, forms.Form):
    grantee_team = forms.TypedChoiceField(
        label=_("Équipe destinataire"), required=False, coerce=int, empty_value=None, widget=FastSelect
    )
    grantee_user = forms.EmailField(label=_("Ou professionnel destinataire (adresse électronique)"), required=False)
    purpose = forms.CharField(
        label=_("Finalité du partage"), max_length=REASON_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )
    legal_basis = forms.ChoiceField(label=_("Base légale"), choices=_blank("—") + SharingGrant.LegalBasis.choices)
    family_informed = forms.TypedChoiceField(
        label=_("La famille a-t-elle été informée ?"),
        choices=[("1", _("Oui")), ("0", _("Non"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    family_not_informed_reason = forms.CharField(
        label=_("Si non, pourquoi ?"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    expires_on = forms.DateField(
        label=_("Expire le"),
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Le partage prend fin à minuit ce jour-là."),
    )

    def __init__(self, *args, teams=(), **kwargs):
        kwargs.setdefault("prefix", "grant")
        super().__init__(*args, **kwargs)
        self._set_teams("grantee_team", teams, blank_label=_("— Aucune —"))

    def clean_grantee_team(self):
        return self._team(self.cleaned_data.get("grantee_team"))

    def clean_grantee_user(self):
        email = self.cleaned_data.get("grantee_user")
        return _agent_by_email(email) if email else None

    def clean_expires_on(self):
        day = self.cleaned_data["expires_on"]
        if day < timezone.localdate():
            raise ValidationError(_("La date d'expiration doit être dans le futur."))
        return day

    def expires_at(self) -> datetime.datetime:
        """End of the chosen day, local time."""
        day = self.cleaned_data["expires_on"] + datetime.timedelta(days=1)
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class AccompanimentOpenForm(AccompanimentTeamMixin, AccessibleFormMixin, forms.Form):
    programme = forms.ChoiceField(label=_("Dispositif"), choices=_blank("—") + Programme.choices)
    team = forms.TypedChoiceField(label=_("Équipe"), coerce=int, widget=FastSelect)
    referent = forms.EmailField(label=_("Référent·e (adresse électronique)"), required=False)

    def __init__(self, *args, teams=(), **kwargs):
        kwargs.setdefault("prefix", "open")
        super().__init__(*args, **kwargs)
        self._set_teams("team", teams, blank_label="—")


class AccompanimentCloseForm(AccessibleFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Motif de clôture"), max_length=REASON_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, accompaniment: Accompaniment, **kwargs):
        kwargs.setdefault("prefix", f"close-{accompaniment.pk}")
        super().__init__(*args, **kwargs)


class AccompanimentTransferForm(AccompanimentTeamMixin, AccessibleFormMixin, forms.Form):
    team = forms.TypedChoiceField(label=_("Nouvelle équipe"), coerce=int, widget=FastSelect)
    referent = forms.EmailField(label=_("Nouveau référent (adresse électronique)"), required=False)
    reason = forms.CharField(
        label=_("Motif du transfert"), max_length=REASON_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, accompaniment: Accompaniment, teams=(), **kwargs):
        kwargs.setdefault("prefix", f"transfer-{accompaniment.pk}")
        super().__init__(*args, **kwargs)
        self._set_teams("team", teams, blank_label="—")


# --- emergency access ----------------------------------------------------------------------------


def _hour_choices():
    max_hours = emergency_access_max_hours()
    hours = [h for h in (1, 2, 3, 4, 6, 8, 12, 24) if h <= max_hours] or [max_hours]
    return [(str(h), _("%(h)s h") % {"h": h}) for h in hours]


class EmergencyAccessForm(AccessibleFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Motif de l'urgence"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Obligatoire, au moins %(min)s caractères. Il sera lu par le délégué à la protection des données.")
        % {"min": EMERGENCY_REASON_MIN_LENGTH},
    )
    hours = forms.TypedChoiceField(label=_("Durée de l'accès"), coerce=float)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = _hour_choices()
        self.fields["hours"].choices = choices
        self.fields["hours"].initial = choices[-1][0]


class EmergencyReviewForm(AccessibleFormMixin, forms.Form):
    comment = forms.CharField(
        label=_("Observation"), required=False, max_length=REASON_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, access=None, **kwargs):
        if access is not None:
            kwargs.setdefault("prefix", f"review-{access.pk}")
        super().__init__(*args, **kwargs)
