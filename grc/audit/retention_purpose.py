"""Retention of the access log (the ``access_log`` purpose, registered from ``apps.py``): purged as a
whole, before the cutoff, through ``access_log_purge`` (the chain stays verifiable from its anchor)."""

from __future__ import annotations

from grc.retention_registry import RetentionPurpose

from .retention import access_log_purge, min_retention_days

DEFAULT_RULE = {
    "label": "Journal des accès : 1 an",
    "duration_months": 12,
    "warning_days": 0,
    "export_before_destruction": False,
    "legal_reference": (
        "CNIL, recommandation relative à la journalisation (2021) : 6 mois à 1 an, jusqu'à 3 ans lorsque "
        "le risque le justifie (données sensibles de l'action sociale) — durée à justifier dans l'analyse "
        "d'impact."
    ),
}
MAX_MONTHS = 36


def _purge(*, before, actor, dry_run, reason) -> int:
    return access_log_purge(before=before, actor=actor, dry_run=dry_run, reason=reason).rows


def _check_months(months: int) -> str:
    """At most three years, at least the database's purge floor (``ACCESS_LOG_MIN_RETENTION_DAYS``)."""
    min_days = min_retention_days()
    if months > MAX_MONTHS:
        return "Le journal des accès ne peut pas être conservé plus de 3 ans."
    if months * 31 < min_days:
        return f"Le journal des accès doit être conservé au moins {min_days} jours (ACCESS_LOG_MIN_RETENTION_DAYS)."
    return ""


ACCESS_LOG_PURPOSE = RetentionPurpose(
    key="access_log", order=70, default_rule=DEFAULT_RULE, purge=_purge, check_months=_check_months
)
