"""Mailroom forms: a batch upload, a letter's qualification (citizen, type, team, due date, request), a transfer."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backoffice.widgets import FastSelect
from demandes.models import Request
from grc.models import Citizen, Team
from grc.selectors.citizens import citizen_get
from mail.models import MailType

# Purpose written on the access-log row when the mailroom reads a citizen to qualify a letter.
QUALIFY_PURPOSE = "qualification du courrier"


class UploadForm(forms.Form):
    label = forms.CharField(label=gettext_lazy("Libellé du lot (facultatif)"), max_length=150, required=False)


NO_CITIZEN = "aucun"


class QualifyForm(forms.Form):
    # A citizen's id, or NO_CITIZEN ("ne concerne pas un usager").
    citizen = forms.CharField(label=gettext_lazy("Usager concerné"), required=False)
    q = forms.CharField(label=gettext_lazy("Rechercher un autre usager"), required=False, max_length=200)
    mail_type = forms.ModelChoiceField(
        label=gettext_lazy("Type de courrier"),
        queryset=MailType.objects.filter(is_active=True).order_by("name"),
        required=False,
        widget=FastSelect(attrs={"accesskey": "t"}),
        empty_label="—",
    )
    team = forms.ModelChoiceField(
        label=gettext_lazy("Équipe destinataire"),
        queryset=Team.objects.filter(is_active=True).order_by("name"),
        required=False,
        widget=FastSelect(attrs={"accesskey": "e"}),
        empty_label="—",
    )
    due_date = forms.DateField(
        label=gettext_lazy("Échéance"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "accesskey": "d"}, format="%Y-%m-%d"),
        help_text=gettext_lazy("Vide : délai du type de courrier, en jours ouvrés."),
        error_messages={"invalid": gettext_lazy("Saisissez une date valide (jj/mm/aaaa).")},
    )
    tracking_code = forms.CharField(
        label=gettext_lazy("Lier à une demande (numéro de suivi)"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"placeholder": "D-2026-7K3M9Q", "autocomplete": "off", "accesskey": "n"}),
    )
    open_request = forms.BooleanField(
        label=gettext_lazy("Ouvrir une nouvelle demande (canal courrier)"), required=False
    )

    def __init__(self, *args, user, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.request = request

    def clean_citizen(self):
        value = (self.cleaned_data.get("citizen") or "").strip()
        if not value or value == NO_CITIZEN:
            return value or None
        if not value.isdigit():
            raise ValidationError(_("Choisissez un usager dans la liste."))
        try:
            citizen = citizen_get(user=self.user, pk=int(value), request=self.request, purpose=QUALIFY_PURPOSE)
        except Http404:
            citizen = None
        if citizen is None or citizen.status != Citizen.Status.ACTIVE:
            raise ValidationError(_("Cet usager n'existe pas ou sa fiche n'est plus active."))
        return citizen

    def clean_due_date(self):
        day = self.cleaned_data.get("due_date")
        if day and day < timezone.localdate() - datetime.timedelta(days=365):
            raise ValidationError(_("Cette échéance est trop ancienne."))
        return day

    def clean_tracking_code(self):
        code = (self.cleaned_data.get("tracking_code") or "").strip().upper().replace(" ", "")
        if not code:
            return None
        request = Request.objects.filter(tracking_code=code).first()
        if request is None:
            raise ValidationError(_("Aucune demande ne porte ce numéro de suivi."))
        return request


class ForwardForm(forms.Form):
    team = forms.ModelChoiceField(
        label=gettext_lazy("Transférer à l'équipe"),
        queryset=Team.objects.filter(is_active=True).order_by("name"),
        widget=FastSelect,
        error_messages={"required": gettext_lazy("Choisissez l'équipe destinataire.")},
        empty_label="—",
    )
    reason = forms.CharField(
        label=gettext_lazy("Motif du transfert"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": gettext_lazy("Indiquez le motif du transfert.")},
    )
