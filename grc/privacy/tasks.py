"""Background tasks of the GDPR screens and of retention.

* ``apply_retention``: the DPO-console scheduler runs it daily.
* ``compile_access_archive``: compiles an access-right archive the DPO asked for in the register
  (``grc.privacy.archive.access_archive_request`` enqueues it on commit): reading every record and file of
  a citizen with hundreds of documents takes minutes, more than a web request may.
* ``retention_dry_run``: the dry run of one rule asked for from the retention screen
  (``grc.privacy.services.retention_dry_run_request``): a rule over 300,000 files counts and lists for
  minutes too. The screen shows it waiting (``dry_runs_waiting``), then its ``RetentionRun`` running.
"""

import datetime
import logging

from django.conf import settings
from django.utils import timezone
from django_tasks import TaskResultStatus, task

from .archive import access_archive_build
from .models import RetentionRule, RetentionRun
from .perms import is_dpo
from .retention import retention_apply, retention_apply_all, retention_rules_ensure

logger = logging.getLogger(__name__)


@task()
def apply_retention(dry_run: bool = False) -> list[dict]:
    """Apply every active retention rule; returns, per rule, the run id and its counts (no personal data)."""
    retention_rules_ensure(actor=None)
    return [
        {"run": run.pk, "purpose": run.rule.purpose, "status": run.status, "counts": run.counts}
        for run in retention_apply_all(actor=None, dry_run=dry_run)
    ]


@task()
def compile_access_archive(archive_id: int, actor_id: int, request_id: str = "") -> str:
    """Compile the pending archive as the DPO ``actor_id`` who asked (the access log names them, with the
    id of the request that asked); "ready", "failed" (the archive says why, in French) or "skipped"."""
    return access_archive_build(archive_id=archive_id, actor_id=actor_id, request_id=request_id)


@task()
def retention_dry_run(rule_id: int, actor_id: int) -> dict:
    """Dry run of one rule as the DPO ``actor_id`` who asked; returns the run's id and status (no personal
    data). A DPO who lost the role meanwhile gets nothing run."""
    from grc.models import User

    actor = User.objects.filter(pk=actor_id).first()
    rule = RetentionRule.objects.filter(pk=rule_id).first()
    if rule is None or actor is None or not is_dpo(actor):
        return {"run": None, "status": "refused"}
    try:
        run = retention_apply(rule=rule, actor=actor, dry_run=True)
    except Exception as error:  # retention_apply recorded its run as failed
        logger.warning("retention: dry run of rule %s failed (%s)", rule.purpose, type(error).__name__)
        run = RetentionRun.objects.filter(rule=rule, actor=actor, dry_run=True).order_by("-pk").first()
        return {"run": run.pk if run else None, "status": RetentionRun.Status.FAILED}
    return {"run": run.pk, "status": run.status}


def dry_run_lease() -> datetime.timedelta:
    """How long a dry run may wait in the queue or run before it is taken for lost (its worker died)."""
    return datetime.timedelta(seconds=int(getattr(settings, "PRIVACY_DRY_RUN_LEASE_SECONDS", 3600)))


def dry_runs_waiting() -> set[int]:
    """Ids of the rules whose dry run is queued and not yet taken by a worker (a worker's first step is to
    record the ``RetentionRun``, shown as running). Only the database queue can be read; another backend
    runs the task at once (tests) and nothing waits."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if not isinstance(retention_dry_run.get_backend(), DatabaseBackend):
        return set()
    rows = DBTaskResult.objects.filter(
        task_path=retention_dry_run.module_path,
        status=TaskResultStatus.READY,
        enqueued_at__gte=timezone.now() - dry_run_lease(),
    ).values_list("args_kwargs", flat=True)
    return {row["args"][0] for row in rows if row.get("args")}


def dry_runs_running() -> set[int]:
    """Ids of the rules with a dry run running (started within the lease: an older one was lost)."""
    return set(
        RetentionRun.objects.filter(
            dry_run=True, status=RetentionRun.Status.RUNNING, started_at__gte=timezone.now() - dry_run_lease()
        ).values_list("rule_id", flat=True)
    )


def dry_run_in_progress(rule: RetentionRule) -> bool:
    """A dry run of ``rule`` is queued or running (and not lost)."""
    return rule.pk in dry_runs_running() or rule.pk in dry_runs_waiting()
