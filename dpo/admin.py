"""Django admin: the anomaly rules' thresholds, for a functional administrator.

The DPO edits them in the DPO console (``backoffice/dpo/views_rules.py``); both save through
``dpo.services.alert_rule_update`` (thresholds checked against ``grc.audit.alert_rules.SCHEMA``, a reason
required and kept in the rule's history with what changed). Alerts and the access log are not
registered: the DPO console reads them (and logs those reads). The rules are rows of the access-log
core (``grc.audit``, admin URL ``audit/alertrule``); their admin is the console's.
"""

from django import forms
from django.contrib import admin

from grc.admin_history import HistoryAdmin
from grc.audit.alert_rules import SCHEMA, validate_params
from grc.audit.models import AlertRule

from .services import alert_rule_update


class AlertRuleAdminForm(forms.ModelForm):
    # Kept in the rule's history with what changed, as in the DPO console: the DPO reads why a threshold moved.
    reason = forms.CharField(
        label="Motif de la modification", max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    class Meta:
        model = AlertRule
        fields = ["enabled", "params", "description"]

    def clean_params(self):
        params = self.cleaned_data.get("params")
        kind = self.instance.kind
        if not isinstance(params, dict):
            raise forms.ValidationError("Les seuils sont un objet JSON (« nom » : valeur).")
        unknown = sorted(set(params) - {t.name for t in SCHEMA.get(kind, ())})
        values, errors = validate_params(kind, params)
        messages = [f"{name} : {message}" for name, message in errors.items()]
        messages += [f"{name} : seuil inconnu pour cette règle." for name in unknown]
        if messages:
            raise forms.ValidationError(messages)
        return values


@admin.register(AlertRule)
class AlertRuleAdmin(HistoryAdmin):
    form = AlertRuleAdminForm
    list_display = ["kind", "enabled", "params", "last_seq", "last_run_at", "last_run_ok"]
    list_filter = ["enabled"]
    readonly_fields = ["kind", "last_seq", "last_run_at", "last_run_ok", "last_run_message"]
    fields = [
        "kind",
        "enabled",
        "params",
        "description",
        "reason",
        "last_seq",
        "last_run_at",
        "last_run_ok",
        "last_run_message",
    ]

    def save_model(self, request, obj, form, change):
        """Through the same service as the DPO console, so one history row names who, why and what changed.
        ``obj`` already carries the form's values: the service compares with the rule as stored."""
        alert_rule_update(
            rule=AlertRule.objects.get(pk=obj.pk),
            actor=request.user,
            enabled=obj.enabled,
            params=obj.params,
            description=obj.description,
            reason=form.cleaned_data["reason"],
        )

    def has_add_permission(self, request):
        return False  # rules are created with their defaults by grc.audit.alerts.ensure_default_rules

    def has_delete_permission(self, request, obj=None):
        return False
