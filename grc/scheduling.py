"""A small scheduler: enqueue due jobs of ``settings.SCHEDULED_JOBS`` on the task queue.

``manage.py run_scheduler`` calls ``run_due`` every minute. Each job is either a django-tasks task
(``"task": "dotted.path"``, enqueued for ``manage.py db_worker``) or a management command
(``"command": "name"``, enqueued through ``run_command``), with either ``"every_minutes": n`` or
``"daily": "HH:MM"`` (local time). The last run of each job is a ``ScheduledRun`` row locked with
``SELECT … FOR UPDATE SKIP LOCKED``, so several scheduler processes never enqueue a job twice.
A job whose task module is absent (an optional area not installed) is skipped and recorded as such.
"""

from __future__ import annotations

import datetime
import importlib
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)


def lease_cutoff(setting: str, now: datetime.datetime | None = None) -> datetime.datetime:
    """Before this moment a background job asked for from a screen counts as lost (no worker took it, or its
    worker died): ``now`` minus the lease ``setting`` in seconds (3600 by default). One mechanism for the
    access-right archive in preparation (``PRIVACY_ARCHIVE_LEASE_SECONDS``), the retention dry run
    (``PRIVACY_DRY_RUN_LEASE_SECONDS``), the erasure (``PRIVACY_ERASURE_LEASE_SECONDS``) and the access-log
    verification (``ACCESS_LOG_VERIFY_LEASE_SECONDS``): shown as interrupted, the page stops refreshing, and
    asking again is allowed."""
    return (now or timezone.now()) - datetime.timedelta(seconds=int(getattr(settings, setting, 3600)))


def enqueue_on_commit(task_, *args, what: str, on_failure: Callable[[], None]) -> None:
    """Enqueue ``task_(*args)`` once the current transaction commits (a worker must see the row it reads).

    Background work asked for from a screen (an archive, a dry run, an erasure, a verification) is recorded
    first, as waiting; if the queue refuses it, ``on_failure()`` records it failed so the screen offers the
    button again. ``what`` names it in the log, with ids only."""

    def enqueue():
        try:
            task_.enqueue(*args)
        except Exception as error:  # noqa: BLE001 — any queue failure: the screen says so, the user asks again
            logger.error("%s: not enqueued (%s)", what, type(error).__name__)
            on_failure()

    transaction.on_commit(enqueue)


@task()
def run_command(name: str, args: list[str] | None = None) -> str:
    """Run a management command from the task queue (for scheduled commands without a task)."""
    from django.core.management import call_command

    call_command(name, *(args or []), verbosity=0)
    return name


def _resolve(path: str):
    module_name, _, attr = path.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    return getattr(module, attr, None)


def is_due(job: dict, last_run: datetime.datetime | None, now: datetime.datetime) -> bool:
    """Whether ``job`` should run at ``now`` given its last run."""
    if "every_minutes" in job:
        return last_run is None or now - last_run >= datetime.timedelta(
            minutes=job["every_minutes"]
        ) - datetime.timedelta(seconds=5)
    hour, minute = (int(x) for x in job["daily"].split(":"))
    local = timezone.localtime(now)
    slot = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if local < slot:
        slot -= datetime.timedelta(days=1)
    # Due once per daily slot: never run since the slot began (a missed slot runs at next start).
    return last_run is None or last_run < slot


def run_due(*, now: datetime.datetime | None = None, jobs: dict | None = None) -> dict[str, str]:
    """Enqueue every due job once; returns {job name: status} for the jobs looked at."""
    from grc.audit.models import ScheduledRun

    now = now or timezone.now()
    jobs = jobs if jobs is not None else getattr(settings, "SCHEDULED_JOBS", {})
    results = {}
    for name, job in jobs.items():
        path = job.get("task") or "grc.scheduling.run_command"
        ScheduledRun.objects.get_or_create(name=name, defaults={"task_path": path})
        with transaction.atomic():
            run = ScheduledRun.objects.select_for_update(skip_locked=True).filter(name=name).first()
            if run is None:  # another scheduler holds it right now
                results[name] = "locked"
                continue
            if not is_due(job, run.last_run_at, now):
                results[name] = "not due"
                continue
            target = _resolve(path)
            if target is None or not hasattr(target, "enqueue"):
                status, message = "skipped", f"{path} is not available"
            else:
                try:
                    if job.get("command"):
                        result = target.enqueue(job["command"], list(job.get("args", [])))
                    else:
                        result = target.enqueue(**job.get("kwargs", {}))
                    status, message = "enqueued", str(getattr(result, "id", ""))
                except Exception as exc:  # one broken job must not stop the others
                    logger.exception("scheduled job %s failed to enqueue", name)
                    status, message = "error", type(exc).__name__
            run.task_path = path
            run.last_run_at = now
            run.last_status = status
            run.last_message = message[:1000]
            run.runs += 1
            run.save()
            results[name] = status
    return results
