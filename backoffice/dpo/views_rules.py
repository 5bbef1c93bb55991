"""The DPO console's alert rules: each rule on or off and its thresholds, with a reason kept in history.

Only the DPO (``dpo.perms.require_dpo``, through the selectors of
``grc.audit.alerts``); everyone else gets 404. The thresholds, their types, bounds and French labels
come from ``grc.audit.alert_rules.SCHEMA``, the same definitions detection validates stored values with.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from backoffice.dpo.forms import RuleForm
from dpo import selectors, services
from grc.audit.alert_rules import rule_thresholds, stored_params_problems, validate_params
from grc.forms import add_service_error


def rule_list(request):
    """Every rule: on or off, each threshold as detection uses it, the last detection and any failure."""
    rules = selectors.alert_rules_for(user=request.user)
    rows = [(rule, rule_thresholds(rule), stored_params_problems(rule)) for rule in rules]
    return render(
        request,
        "backoffice/dpo/rule_list.html",
        {"rows": rows, "detection": selectors.detection_status(rules)},
    )


def rule_edit(request, kind):
    """One rule's form; a change goes through ``dpo.services.alert_rule_update`` (history with the reason)."""
    rule = selectors.alert_rule_get(user=request.user, kind=kind)
    status = 200
    if request.method == "POST":
        form = RuleForm(request.POST, rule=rule)
        if form.is_valid():
            try:
                services.alert_rule_update(
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
        form = RuleForm(rule=rule, initial={"enabled": rule.enabled, **validate_params(rule.kind, rule.params)[0]})
    changes = list(rule.history.order_by("-history_date", "-history_id").select_related("history_user")[:50])
    return render(
        request,
        "backoffice/dpo/rule_edit.html",
        {"rule": rule, "form": form, "changes": changes, "problems": stored_params_problems(rule)},
        status=status,
    )
