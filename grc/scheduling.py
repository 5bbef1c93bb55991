"""A small scheduler: enqueue due jobs of ``settings.SCHEDULED_JOBS`` on the task queue.

``manage.py run_scheduler`` calls ``run_due`` every minute. Each job is either a django-tasks task
(``"task": "dotted.path"``, enqueued for ``manage.py db_worker``) or a management command
(``"command": "name"``, enqueued through ``run_command``), with either ``"every_minutes": n`` or
``"daily": "HH:MM"`` (local time). The last run of each job is a ``ScheduledRun`` row locked with
``SELECT … FOR UPDATE SKIP LOCKED``, so several scheduler processes never enqueue a job twice.
A job whose task module does not exist (an optional area not installed) is skipped and recorded as such;
a module that exists but fails to import is an error of that job, logged with its traceback.
"""

from __future__ import annotations

import datetime
import importlib
import importlib.util
import logging
from collections.abc import Callable

from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from grc.audit.models import ScheduledRun

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
    call_command(name, *(args or []), verbosity=0)
    return name


def _module_exists(name: str) -> bool:
    """Whether the module ``name`` and each of its packages can be found (imports the packages, not the module)."""
    parts = name.split(".")
    return all(importlib.util.find_spec(".".join(parts[: i + 1])) is not None for i in range(len(parts)))


def _resolve(path: str):
    """The object at the dotted ``path``, or None when its module does not exist or lacks it. A module that
    exists but fails to import raises: a broken import is an error, not an absent job."""
    module_name, _, attr = path.rpartition(".")
    if not _module_exists(module_name):
        return None
    return getattr(importlib.import_module(module_name), attr, None)


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


def _enqueue(name: str, job: dict, path: str) -> tuple[str, str]:
    """Enqueue one due job: ``(status, message)`` — enqueued (the task result's id), skipped (its module does
    not exist) or error (its module fails to import, or the queue refused it)."""
    try:
        target = _resolve(path)
        if target is None or not hasattr(target, "enqueue"):
            return "skipped", f"{path} is not available"
        if job.get("command"):
            result = target.enqueue(job["command"], list(job.get("args", [])))
        else:
            result = target.enqueue(**job.get("kwargs", {}))
        return "enqueued", str(getattr(result, "id", ""))
    except Exception as exc:  # one broken job must not stop the others
        logger.exception("scheduled job %s failed to enqueue", name)
        return "error", type(exc).__name__


def run_due(*, now: datetime.datetime | None = None, jobs: dict | None = None) -> dict[str, str]:
    """Enqueue every due job once; returns {job name: status} for the jobs looked at."""
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
            status, message = _enqueue(name, job, path)
            run.task_path = path
            run.last_run_at = now
            run.last_status = status
            run.last_message = message[:1000]
            run.runs += 1
            run.save()
            results[name] = status
    return results
