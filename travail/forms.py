"""Forms of the agents' day (back office): a task, the digest settings."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Notification


class TaskForm(forms.Form):
    title = forms.CharField(label=_("À faire"), max_length=200)
    due_date = forms.DateField(label=_("Échéance"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    assignee = forms.TypedChoiceField(label=_("Confier à"), coerce=int, required=False, empty_value=None)
    team = forms.TypedChoiceField(label=_("ou à l'équipe"), coerce=int, required=False, empty_value=None)
    request_code = forms.CharField(label=_("Demande n° (facultatif)"), max_length=40, required=False)
    file_id = forms.IntegerField(label=_("Dossier social n° (facultatif)"), min_value=1, required=False)

    def __init__(self, *args, colleagues=(), teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        people = [(u.pk, u.get_full_name() or u.email) for u in colleagues]
        self.fields["assignee"].choices = [("", _("— moi —")), *people]
        self.fields["team"].choices = [("", "—")] + [(t.pk, t.name) for t in teams]


class DigestSettingsForm(forms.Form):
    """One checkbox per notification kind: ticked = in the daily e-mail."""

    def __init__(self, *args, opted_out=(), **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label in Notification.Kind.choices:
            self.fields[kind] = forms.BooleanField(label=label, required=False, initial=kind not in opted_out)


class HandoverForm(forms.Form):
    absent = forms.TypedChoiceField(label=_("Agent absent"), coerce=int)
    to_user = forms.TypedChoiceField(label=_("Confier son travail à"), coerce=int)
    reason = forms.CharField(label=_("Motif"), max_length=200, help_text=_("Par exemple : congé jusqu'au 12/01."))

    def __init__(self, *args, absents=(), colleagues=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["absent"].choices = [("", "—")] + [(u.pk, u.get_full_name() or u.email) for u in absents]
        self.fields["to_user"].choices = [("", "—")] + [(u.pk, u.get_full_name() or u.email) for u in colleagues]

    def clean(self):
        data = super().clean()
        if data.get("absent") and data.get("absent") == data.get("to_user"):
            self.add_error("to_user", _("Choisissez un autre agent que l'agent absent."))
        return data


class NoteEditForm(forms.Form):
    text = forms.CharField(label=_("Texte de la note"), widget=forms.Textarea(attrs={"rows": 10}))


class ExportForm(forms.Form):
    FORMATS = (("csv", "CSV"), ("xlsx", "Excel (XLSX)"))

    colonnes = forms.MultipleChoiceField(
        label=_("Colonnes"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choisissez au moins une colonne.")},
    )
    format = forms.ChoiceField(label=_("Format"), choices=FORMATS, widget=forms.RadioSelect, initial="csv")

    def __init__(self, *args, columns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["colonnes"].choices = columns
