"""The retention rules: one per registered purpose, created with the purpose's default and edited by the DPO."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from grc import retention_registry
from grc.history import save_tracked

from ..models import RetentionRule
from ..perms import is_dpo

EDITABLE = {"label", "duration_months", "legal_reference", "warning_days", "export_before_destruction", "is_active"}


def default_rules() -> list[dict]:
    """The default rule of every registered purpose, in the order a full run applies them."""
    return [{"purpose": purpose.key, **purpose.default_rule} for purpose in retention_registry.purposes()]


@transaction.atomic
def retention_rules_ensure(*, actor) -> list[RetentionRule]:
    """Create the default rules that are missing (existing rules, possibly edited, are left alone)."""
    rules = []
    for spec in default_rules():
        rule = RetentionRule.objects.filter(purpose=spec["purpose"]).first()
        if rule is None:
            rule = save_tracked(RetentionRule(**spec), actor, "règle par défaut")
        rules.append(rule)
    return rules


@transaction.atomic
def retention_rule_update(*, rule: RetentionRule, actor, **changes) -> RetentionRule:
    """Edit a rule (DPO only): label, duration, legal reference, warning, export, active. The purpose may
    bound the duration (``check_months``: the access log, the GDPR register)."""
    if not is_dpo(actor):
        raise PermissionDenied
    if set(changes) - EDITABLE:
        raise TypeError(f"not editable: {sorted(set(changes) - EDITABLE)}")
    errors = {}
    if "duration_months" in changes and not (1 <= int(changes["duration_months"] or 0) <= 1200):
        errors["duration_months"] = "La durée doit être comprise entre 1 et 1200 mois."
    if "warning_days" in changes and not (0 <= int(changes["warning_days"] or 0) <= 365):
        errors["warning_days"] = "Le préavis doit être compris entre 0 et 365 jours."
    check_months = retention_registry.purpose(rule.purpose).check_months
    if check_months is not None:
        # The purpose's own bound says more than the generic range: it replaces it.
        refusal = check_months(int(changes.get("duration_months", rule.duration_months) or 0))
        if refusal:
            errors["duration_months"] = refusal
    if "legal_reference" in changes and not (changes["legal_reference"] or "").strip():
        errors["legal_reference"] = "Indiquez la référence légale qui fonde cette durée."
    if errors:
        raise ValidationError(errors)
    for name, value in changes.items():
        setattr(rule, name, value)
    return save_tracked(rule, actor, "modification de la règle")
