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
