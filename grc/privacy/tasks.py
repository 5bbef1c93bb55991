"""Background task of retention (the DPO-console scheduler runs ``grc.privacy.tasks.apply_retention`` daily)."""

from django_tasks import task

from .retention import retention_apply_all, retention_rules_ensure


@task()
def apply_retention(dry_run: bool = False) -> list[dict]:
    """Apply every active retention rule; returns, per rule, the run id and its counts (no personal data)."""
    retention_rules_ensure(actor=None)
    return [
        {"run": run.pk, "purpose": run.rule.purpose, "status": run.status, "counts": run.counts}
        for run in retention_apply_all(actor=None, dry_run=dry_run)
    ]
