"""The DPO's GDPR forms: a register entry, the actions on its page (transition, extension, account
erasure or refusal, archive, third-party withholding), and a retention rule."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grc.models import User
from grc.perms import dpo_accounts
from grc.selectors.citizens import citizen_get
from privacy import services
from privacy.models import GdprRequest


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _dpo_choices():
    users = dpo_accounts()
    return [("", "—")] + [(str(u.pk), u.get_full_name() or u.email) for u in users.order_by("last_name", "pk")]


class GdprRequestForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Droit exercé"), choices=GdprRequest.Kind.choices)
    requester_identity = forms.CharField(
        label=gettext_lazy("Identité du demandeur (telle qu'indiquée dans la demande)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )
    details = forms.CharField(
        label=gettext_lazy("Précisions du demandeur"),
        help_text=gettext_lazy(
            "Ce que la personne demande, dans ses mots (informations à corriger, traitement visé…)."
        ),
        required=False,
        max_length=services.DETAILS_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    citizen = forms.IntegerField(
        label=gettext_lazy("Numéro d'usager"),
        required=False,
        min_value=1,
        help_text=gettext_lazy("Le numéro de la fiche dans le référentiel, une fois l'identité rapprochée."),
    )
    received_on = forms.DateField(label=gettext_lazy("Reçue le"), widget=DateInput())
    channel = forms.ChoiceField(label=gettext_lazy("Canal"), choices=GdprRequest.Channel.choices)
    owner = forms.ChoiceField(label=gettext_lazy("Chargé(e) du traitement"), required=False)
    notes = forms.CharField(
        label=gettext_lazy("Notes internes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, user=None, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.request = request
        self.fields["owner"].choices = _dpo_choices()

    def clean_citizen(self):
        pk = self.cleaned_data.get("citizen")
        if pk is None:
            return None
        try:
            return citizen_get(user=self.user, pk=pk, request=self.request, purpose="registre des demandes RGPD")
        except Http404:
            raise ValidationError(_("Aucun usager ne porte ce numéro.")) from None

    def clean_owner(self):
        pk = self.cleaned_data.get("owner")
        return User.objects.filter(pk=pk).first() if pk else None


class _EntryForm(forms.Form):
    """A form of the register entry's page. Several share field names ("reason"), so each one's element ids
    carry its own name: a label or an error link must reach its own field."""

    id_prefix = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"id_{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class TransitionForm(_EntryForm):
    id_prefix = "transition"
    to_status = forms.ChoiceField(label=gettext_lazy("Nouveau statut"), choices=())
    reason = forms.CharField(
        label=gettext_lazy("Motif (obligatoire pour un refus)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    on = forms.DateField(label=gettext_lazy("Date de la réponse"), required=False, widget=DateInput())

    def __init__(self, *args, gdpr_request, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = services.TRANSITIONS.get(gdpr_request.status, set())
        self.fields["to_status"].choices = [(v, label) for v, label in GdprRequest.Status.choices if v in allowed]


class ExtendForm(_EntryForm):
    id_prefix = "extend"
    reason = forms.CharField(
        label=gettext_lazy("Motif de la prolongation (communiqué au demandeur)"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AccountEraseForm(_EntryForm):
    id_prefix = "erase"
    confirm = forms.BooleanField(
        label=gettext_lazy("Je confirme la suppression du compte du portail, irréversible"),
        error_messages={"required": gettext_lazy("Cochez la case de confirmation : la suppression est irréversible.")},
    )
    note = forms.CharField(
        label=gettext_lazy("Note de traitement (facultative)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AccountRefuseForm(_EntryForm):
    id_prefix = "refuse"
    reason = forms.CharField(
        label=gettext_lazy("Motif du refus (communiqué au demandeur par courriel)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ArchiveForm(_EntryForm):
    id_prefix = "archive"
    include_staff_names = forms.BooleanField(
        label=gettext_lazy("Communiquer le nom des agents (accès, référents, auteurs)"), required=False
    )


class RuleForm(forms.Form):
    # Bounds within the columns (small integers): a larger number is a form error, not a database error.
    label = forms.CharField(label=gettext_lazy("Libellé"), max_length=200)
    duration_months = forms.IntegerField(
        label=gettext_lazy("Durée de conservation (mois)"),
        min_value=1,
        max_value=1200,
        error_messages={
            "min_value": gettext_lazy("La durée doit être comprise entre 1 et 1200 mois."),
            "max_value": gettext_lazy("La durée doit être comprise entre 1 et 1200 mois."),
        },
    )
    legal_reference = forms.CharField(
        label=gettext_lazy("Référence légale"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    warning_days = forms.IntegerField(
        label=gettext_lazy("Préavis (jours)"),
        min_value=0,
        max_value=365,
        required=False,
        error_messages={
            "min_value": gettext_lazy("Le préavis doit être compris entre 0 et 365 jours."),
            "max_value": gettext_lazy("Le préavis doit être compris entre 0 et 365 jours."),
        },
    )
    export_before_destruction = forms.BooleanField(
        label=gettext_lazy("Verser aux Archives départementales avant destruction"), required=False
    )
    is_active = forms.BooleanField(label=gettext_lazy("Règle appliquée"), required=False)


class WithholdingForm(forms.Form):
    target = forms.RegexField(regex=r"^(note|document|mail_item):\d+$", widget=forms.HiddenInput)
    reason = forms.CharField(label=gettext_lazy("Motif (informations sur un tiers)"), required=False, max_length=255)
    action = forms.ChoiceField(choices=[("withhold", "withhold"), ("release", "release")], widget=forms.HiddenInput)
