"""Request (demande) forms: the queue filters, the instruction screen's transitions and messages, and
filing at a social counter."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from demandes.models import Request
from grc.models import Team
from grc.uploads import MultipleUploadField

S = Request.Status


class QueueFilterForm(forms.Form):
    statut = forms.ChoiceField(
        label=gettext_lazy("Statut"),
        required=False,
        choices=[("", gettext_lazy("En cours (non décidées)")), ("all", gettext_lazy("Toutes"))]
        + [(value, label) for value, label in S.choices if value != S.DRAFT],
    )
    demarche = forms.ChoiceField(label=gettext_lazy("Démarche"), required=False, choices=[])
    attribution = forms.ChoiceField(
        label=gettext_lazy("Attribution"),
        required=False,
        choices=[
            ("", gettext_lazy("Toutes")),
            ("me", gettext_lazy("À moi")),
            ("none", gettext_lazy("Non attribuées")),
        ],
    )

    def __init__(self, *args, procedures=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["demarche"].choices = [("", _("Toutes"))] + [(p, p) for p in procedures]


class AskCitizenForm(forms.Form):
    missing_items = forms.CharField(
        label=gettext_lazy("Pièces ou informations manquantes"),
        help_text=gettext_lazy("Une par ligne ; l'usager verra cette liste."),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )
    message = forms.CharField(
        label=gettext_lazy("Message à l'usager"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )

    def clean_missing_items(self):
        items = [line.strip(" -–•\t") for line in self.cleaned_data["missing_items"].splitlines()]
        items = [item for item in items if item]
        if not items:
            raise ValidationError(_("Indiquez au moins une pièce ou information manquante."))
        return items


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Motif"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        error_messages={"required": gettext_lazy("Le motif est obligatoire : l'usager le lira.")},
    )


class AcceptForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Commentaire (facultatif)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
    )


class ForwardForm(forms.Form):
    team = forms.ModelChoiceField(label=gettext_lazy("Équipe"), queryset=Team.objects.filter(is_active=True))
    reason = forms.CharField(label=gettext_lazy("Motif de la transmission"), max_length=500)


class MessageForm(forms.Form):
    body = forms.CharField(label=gettext_lazy("Message"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)
    files = MultipleUploadField(label=gettext_lazy("Pièces jointes"))


class CounterForm(forms.Form):
    procedure_title = forms.CharField(
        label=gettext_lazy("Démarche"),
        required=False,
        max_length=255,
        help_text=gettext_lazy("À remplir si la démarche n'est pas dans la liste."),
    )
    team = forms.ModelChoiceField(
        label=gettext_lazy("Équipe destinataire"),
        queryset=Team.objects.filter(is_active=True),
        required=False,
        help_text=gettext_lazy("Par défaut, l'équipe indiquée par la démarche."),
    )
    answers_text = forms.CharField(
        label=gettext_lazy("Réponses et informations recueillies"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=10000,
    )
    files = MultipleUploadField(label=gettext_lazy("Pièces justificatives"))
    typed_by = forms.ChoiceField(
        label=gettext_lazy("Qui a saisi les réponses ?"),
        choices=Request.TypedBy.choices,
        widget=forms.RadioSelect,
        initial=Request.TypedBy.AGENT,
    )
    consent = forms.BooleanField(
        label=gettext_lazy(
            "L'usager a donné son accord pour que cette demande soit déposée en son nom et a été informé "
            "de l'utilisation de ses données."
        ),
        error_messages={"required": gettext_lazy("Le consentement de l'usager doit être recueilli avant le dépôt.")},
    )

    def __init__(self, *args, procedure=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.procedure = procedure
        if procedure is not None:
            self.fields["procedure_title"].initial = procedure.title
            self.fields["procedure_title"].widget = forms.HiddenInput()

    def clean(self):
        data = super().clean()
        if self.procedure is None and not (data.get("procedure_title") or "").strip():
            self.add_error("procedure_title", _("Indiquez la démarche."))
        page_team = getattr(getattr(self.procedure, "specific", None), "destination_team", None)
        if not data.get("team") and page_team is None and "team" not in self.errors:
            self.add_error("team", _("Choisissez l'équipe qui traitera la demande."))
        return data
