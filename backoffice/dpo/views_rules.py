"""The DPO console's alert rules: each rule on or off and its thresholds, with a reason kept in history.

Only the DPO (``grc.audit.perms.can_use_dpo_console``, through the selectors of
``grc.audit.alerts``); everyone else gets 404. The thresholds, their types, bounds and French labels
come from ``grc.audit.alerts.SCHEMA``, the same definitions detection validates stored values with.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grc.audit import alerts
from grc.forms import add_service_error


def _field(threshold: alerts.Threshold) -> forms.Field:
    """A typed form field for one threshold; bounds are checked by ``alerts.validate_params`` in
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
        self.thresholds = alerts.SCHEMA.get(rule.kind, ())
        reason = self.fields.pop("reason")
        for threshold in self.thresholds:
            self.fields[threshold.name] = _field(threshold)
        self.fields["reason"] = reason

    def clean(self):
        data = super().clean()
        typed = {t.name: data[t.name] for t in self.thresholds if data.get(t.name) is not None}
        _values, errors = alerts.validate_params(self.rule.kind, typed)
        for name, message in errors.items():
            if name not in self.errors:
                self.add_error(name, message)
        return data

    def params(self) -> dict:
        return {t.name: self.cleaned_data[t.name] for t in self.thresholds}


def rule_list(request):
    """Every rule: on or off, each threshold as detection uses it, the last detection and any failure."""
    rules = alerts.alert_rules_for(user=request.user)
    rows = [(rule, alerts.rule_thresholds(rule), alerts.stored_params_problems(rule)) for rule in rules]
    return render(
        request,
        "backoffice/dpo/rule_list.html",
        {"rows": rows, "detection": alerts.detection_status(rules)},
    )


def rule_edit(request, kind):
    """One rule's form; a change goes through ``alerts.alert_rule_update`` (history with the reason)."""
    rule = alerts.alert_rule_get(user=request.user, kind=kind)
    status = 200
    if request.method == "POST":
        form = RuleForm(request.POST, rule=rule)
        if form.is_valid():
            try:
                alerts.alert_rule_update(
                    rule=rule,
                    actor=request.user,
                    enabled=form.cleaned_data["enabled"],
                    params=form.params(),
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("La règle « %(rule)s » est enregistrée.") % {"rule": rule})
                return redirect("backoffice:dpo_rules")
        status = 400
    else:
        form = RuleForm(
            rule=rule, initial={"enabled": rule.enabled, **alerts.validate_params(rule.kind, rule.params)[0]}
        )
    changes = list(rule.history.order_by("-history_date", "-history_id").select_related("history_user")[:50])
    return render(
        request,
        "backoffice/dpo/rule_edit.html",
        {"rule": rule, "form": form, "changes": changes, "problems": alerts.stored_params_problems(rule)},
        status=status,
    )
