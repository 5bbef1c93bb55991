"""The scheduler enqueues each due job once, even with several schedulers, and skips absent tasks."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from grc.audit.models import AlertRule, LogVerification, ScheduledRun
from grc.scheduling import is_due, run_due

pytestmark = pytest.mark.django_db

JOBS = {
    "verify": {"task": "grc.audit.tasks.verify_access_log", "daily": "02:00"},
    "detect": {"task": "grc.audit.tasks.detect_access_anomalies", "every_minutes": 15},
    "absent": {"task": "grc.nowhere.tasks.nothing", "every_minutes": 5},
}


def _at(hour, minute=0, day=0):
    local = timezone.localtime().replace(hour=hour, minute=minute, second=0, microsecond=0)
    return local + datetime.timedelta(days=day)


def test_due_jobs_run_once_per_slot():
    results = run_due(now=_at(2, 1), jobs=JOBS)
    assert results == {"verify": "enqueued", "detect": "enqueued", "absent": "skipped"}
    # The test task backend runs tasks immediately: the verification and the detection happened.
    assert LogVerification.objects.count() == 1
    assert AlertRule.objects.count() == len(AlertRule.Kind.values)
    # One minute later nothing is due; 15 minutes later only the detection is.
    assert run_due(now=_at(2, 2), jobs=JOBS) == {"verify": "not due", "detect": "not due", "absent": "not due"}
    assert run_due(now=_at(2, 17), jobs=JOBS)["detect"] == "enqueued"
    assert run_due(now=_at(23, 59), jobs=JOBS)["verify"] == "not due"
    assert run_due(now=_at(2, 0, day=1), jobs=JOBS)["verify"] == "enqueued"
    assert LogVerification.objects.count() == 2
    assert ScheduledRun.objects.get(name="absent").last_status == "skipped"


def test_a_job_locked_by_another_scheduler_is_not_run_twice():
    from django.db import connections

    # Another scheduler process (its own connection) has committed the job's row and holds its lock.
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute(
                "INSERT INTO audit_scheduledrun (name, task_path, last_status, last_message, runs) "
                "VALUES ('detect', 'x', '', '', 0)"
            )
        other.set_autocommit(False)
        with other.cursor() as cursor:
            cursor.execute("SELECT id FROM audit_scheduledrun WHERE name = 'detect' FOR UPDATE")
        assert run_due(now=_at(10), jobs={"detect": JOBS["detect"]}) == {"detect": "locked"}
        assert not LogVerification.objects.exists()
    finally:
        other.rollback()
        other.set_autocommit(True)
        with other.cursor() as cursor:
            cursor.execute("DELETE FROM audit_scheduledrun WHERE name = 'detect'")
        other.close()


def test_daily_schedule_catches_up_a_missed_slot():
    job = {"daily": "03:00"}
    assert is_due(job, None, _at(10))
    assert is_due(job, _at(2, day=-1), _at(10))
    assert not is_due(job, _at(3, 5), _at(10))


def test_settings_register_the_expected_jobs(settings):
    names = set(settings.SCHEDULED_JOBS)
    assert {"verify_access_log", "detect_access_anomalies", "expire_file_access", "apply_retention"} <= names


def test_expired_sessions_are_cleared_by_the_scheduled_job(settings, client, worker_a):
    from django.contrib.sessions.models import Session

    client.force_login(worker_a)
    live = Session.objects.get()
    Session.objects.create(
        session_key="x" * 32, session_data="{}", expire_date=timezone.now() - datetime.timedelta(minutes=1)
    )
    job = settings.SCHEDULED_JOBS["clear_sessions"]
    assert run_due(now=_at(4, 31), jobs={"clear_sessions": job}) == {"clear_sessions": "enqueued"}
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]


def test_finished_task_results_are_pruned_by_the_scheduled_job(settings):
    """Run against the database task backend (the tests' immediate backend keeps no results)."""
    from django_tasks_db.models import DBTaskResult

    from grc.scheduling import run_command

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    now = timezone.now()

    def result(status, age_days):
        enqueued = run_command.enqueue("check")
        DBTaskResult.objects.filter(id=enqueued.id).update(
            status=status, finished_at=now - datetime.timedelta(days=age_days)
        )
        return enqueued.id

    result("SUCCESSFUL", 20)
    result("FAILED", 61)
    kept = {result("SUCCESSFUL", 3), result("FAILED", 30)}
    kept.add(run_command.enqueue("check").id)  # not run yet
    job = settings.SCHEDULED_JOBS["prune_task_results"]
    call_command(job["command"], *job["args"], verbosity=0)
    assert {str(pk) for pk in DBTaskResult.objects.values_list("id", flat=True)} == {str(pk) for pk in kept}


def test_command_once(capsys):
    call_command("run_scheduler", "--once")
    assert ScheduledRun.objects.filter(name="verify_access_log").exists()


def test_alert_rules_are_editable_in_the_django_admin():
    from django.contrib import admin

    from grc.audit.models import AlertRule

    assert AlertRule in admin.site._registry
