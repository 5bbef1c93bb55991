"""DPO console forms: the access-log filters, an alert's follow-up, an alert rule's thresholds.

The thresholds, their types, bounds and French labels come from ``grc.audit.alert_rules.SCHEMA``, the same
definitions detection validates stored values with.
"""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grc.audit import alert_rules
from grc.audit import selectors as sel
from grc.audit.models import AccessLog, Alert
from grc.models import Team, Territory, User
from grc.perms import dpo_accounts

# The log cannot predate the platform; bounding the dates keeps "the day after" and time zones computable.
FIRST_DAY = datetime.date(2000, 1, 1)


LAST_DAY = datetime.date(2099, 12, 31)


class LogFilterForm(forms.Form):
    actor = forms.CharField(label=gettext_lazy("Agent (n° ou adresse électronique)"), required=False)
    citizen = forms.IntegerField(
        label=gettext_lazy("Usager (n° de fiche)"), required=False, min_value=1, max_value=2**62
    )
    team = forms.ModelChoiceField(label=gettext_lazy("Équipe"), queryset=Team.objects.none(), required=False)
    territory = forms.ModelChoiceField(
        label=gettext_lazy("Territoire"), queryset=Territory.objects.none(), required=False
    )
    action = forms.ChoiceField(label=gettext_lazy("Action"), required=False)
    purpose = forms.CharField(label=gettext_lazy("Finalité (début du texte)"), required=False, max_length=255)
    since = forms.DateField(
        label=gettext_lazy("Du"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    until = forms.DateField(
        label=gettext_lazy("Au (inclus)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.order_by("name")
        self.fields["territory"].queryset = Territory.objects.order_by("name")
        self.fields["action"].choices = [("", _("Toutes"))] + list(AccessLog.Action.choices)

    def clean_actor(self):
        value = self.cleaned_data["actor"].strip()
        if not value:
            return None
        if value.isascii() and value.isdigit() and len(value) <= 18:
            qs = User.objects.filter(pk=int(value))
        else:
            qs = User.objects.filter(email__iexact=value)
        pk = qs.values_list("pk", flat=True).first()
        if pk is None:
            raise forms.ValidationError(_("Aucun compte ne correspond à « %(value)s ».") % {"value": value})
        return pk

    def _clean_day(self, name):
        day = self.cleaned_data.get(name)
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise forms.ValidationError(
                _("Saisissez une date entre le %(first)s et le %(last)s.")
                % {"first": FIRST_DAY.strftime("%d/%m/%Y"), "last": LAST_DAY.strftime("%d/%m/%Y")}
            )
        return day

    def clean_since(self):
        return self._clean_day("since")

    def clean_until(self):
        return self._clean_day("until")

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("La date de fin doit suivre la date de début."))
        return data

    def filters(self) -> sel.LogFilters:
        data = self.cleaned_data
        tzinfo = timezone.get_current_timezone()

        def start_of(day):
            return datetime.datetime.combine(day, datetime.time.min, tzinfo=tzinfo) if day else None

        return sel.LogFilters(
            actor=data.get("actor"),
            citizen=data.get("citizen"),
            team=data["team"].pk if data.get("team") else None,
            territory=data["territory"].pk if data.get("territory") else None,
            action=data.get("action") or "",
            purpose=data.get("purpose") or "",
            since=start_of(data.get("since")),
            until=start_of(data["until"] + datetime.timedelta(days=1)) if data.get("until") else None,
        )


class AlertForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Statut"), choices=Alert.Status.choices)
    owner = forms.ModelChoiceField(label=gettext_lazy("Responsable"), queryset=User.objects.none(), required=False)
    note = forms.CharField(
        label=gettext_lazy("Ajouter une note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = dpo_accounts()

    def clean(self):
        data = super().clean()
        if (
            data.get("status") in (Alert.Status.JUSTIFIED, Alert.Status.ESCALATED)
            and not (data.get("note") or "").strip()
        ):
            self.add_error("note", _("Expliquez la décision dans une note."))
        return data


def _field(threshold: alert_rules.Threshold) -> forms.Field:
    """A typed form field for one threshold; bounds are checked by ``alert_rules.validate_params`` in
    ``RuleForm.clean`` (one place, one wording), and given to the browser as ``min``/``max``."""
    common = {"label": threshold.label, "help_text": threshold.help_text}
    if threshold.type is bool:
        return forms.BooleanField(required=False, **common)
    attrs = {}
    if threshold.min is not None:
        attrs["min"] = f"{threshold.min:g}"
    if threshold.max is not None:
        attrs["max"] = f"{threshold.max:g}"
    if threshold.type is int:
        return forms.IntegerField(widget=forms.NumberInput(attrs=attrs), **common)
    # Localised: a French decimal comma ("2,5") is accepted.
    return forms.FloatField(localize=True, **common)


class RuleForm(forms.Form):
    enabled = forms.BooleanField(label=gettext_lazy("Règle active"), required=False)
    reason = forms.CharField(
        label=gettext_lazy("Motif de la modification"),
        max_length=255,
        help_text=gettext_lazy("Conservé dans l'historique de la règle, avec votre nom et la date."),
        error_messages={"required": gettext_lazy("Indiquez le motif de la modification.")},
    )

    def __init__(self, *args, rule, **kwargs):
        super().__init__(*args, **kwargs)
        self.rule = rule
        self.thresholds = alert_rules.SCHEMA.get(rule.kind, ())
        reason = self.fields.pop("reason")
        for threshold in self.thresholds:
            self.fields[threshold.name] = _field(threshold)
        self.fields["reason"] = reason

    def clean(self):
        data = super().clean()
        typed = {t.name: data[t.name] for t in self.thresholds if data.get(t.name) is not None}
        _values, errors = alert_rules.validate_params(self.rule.kind, typed)
        for name, message in errors.items():
            if name not in self.errors:
                self.add_error(name, message)
        return data

    def params(self) -> dict:
        return {t.name: self.cleaned_data[t.name] for t in self.thresholds}
