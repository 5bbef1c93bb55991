"""A retention dry run asked for from the screen runs in the background worker, not in the POST: the POST
records its run "en attente" (our own RetentionRun, whatever the task backend), the retention page and the
run's page say so and refresh themselves until its report is there; a second click while one waits or runs
is refused; a second delivery of the task does nothing; a dry run lost (never taken, or its worker died)
stops the refreshing and a new one may be asked for; a DPO who lost the role gets nothing counted."""

import datetime

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from dossier_unique.models import Accompaniment, SocialFile, TimelineEntry
from grc.audit.models import AccessLog
from grc.history import save_tracked
from grc.models import Membership
from privacy import services
from privacy.models import RetentionRule, RetentionRun
from privacy.retention import retention_rules_ensure
from privacy.retention import run as retention_run
from privacy.tasks import retention_dry_run
from tests.factories import MembershipFactory, verify_otp

REFRESH = '<meta name="grc-refresh" content="5">'
LONG_AGO = timezone.now() - datetime.timedelta(days=800)
FLUSHABLE_APPS = [config.name for config in apps.get_app_configs() if config.label != "audit"]


@pytest.fixture
def rule(dpo):
    retention_rules_ensure(actor=dpo)
    return RetentionRule.objects.get(purpose="social_file")


@pytest.fixture
def old_file(followed):
    """A social file closed long ago: the one thing the social-file rule's dry run finds."""
    file, _ = followed
    day = timezone.localtime(LONG_AGO).date()
    Accompaniment.objects.filter(file=file).update(
        status="closed", start_date=day - datetime.timedelta(days=300), end_date=day, closing_reason="FIN"
    )
    TimelineEntry.objects.filter(file=file).update(occurred_at=LONG_AGO)
    SocialFile.objects.filter(pk=file.pk).update(created_at=LONG_AGO)
    return file


@pytest.fixture
def queue(settings):
    """The database task queue, as in production: enqueuing only writes a row for the worker."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _form(rule):
    return f'action="{reverse("backoffice:privacy_rule_dry_run", args=[rule.pk])}"'


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _home(client):
    return _page(client, reverse("backoffice:privacy_retention"))


def _detail(client, run):
    return _page(client, reverse("backoffice:privacy_run_detail", args=[run.pk]))


def _ask(client, rule, capture):
    """Click "Simuler" as the browser does, running what the view schedules on commit (the enqueue)."""
    with capture(execute=True):
        return client.post(reverse("backoffice:privacy_rule_dry_run", args=[rule.pk]), follow=True)


# Committed for real, so that the enqueue runs when the request's transaction commits, as in production. The
# access log is append-only (TRUNCATE refused): this test writes none, and says so.
@pytest.mark.django_db(transaction=True, available_apps=FLUSHABLE_APPS)
def test_when_the_backend_runs_tasks_at_once_the_dpo_lands_on_the_report(dpo_client, dpo, rule):
    # A transactional test: the access log is not flushed between such tests (it refuses TRUNCATE), so
    # rows other tests committed may be there already. The dry run must add none.
    logged_before = AccessLog.objects.count()
    response = dpo_client.post(reverse("backoffice:privacy_rule_dry_run", args=[rule.pk]), follow=True)

    run = RetentionRun.objects.get(rule=rule)
    assert response.redirect_chain == [(reverse("backoffice:privacy_run_detail", args=[run.pk]), 302)]
    assert run.dry_run and run.status == RetentionRun.Status.DONE and run.actor == dpo
    assert [h.status for h in run.history.order_by("history_date")] == ["queued", "running", "done"]
    page = response.content.decode()
    assert "Rien ne partirait." in page and REFRESH not in page and "en attente" not in page
    assert AccessLog.objects.count() == logged_before


def test_with_the_database_queue_the_dry_run_waits_then_reports(
    dpo_client, dpo, rule, old_file, queue, django_capture_on_commit_callbacks
):
    other = RetentionRule.objects.get(purpose="mail")

    response = _ask(dpo_client, rule, django_capture_on_commit_callbacks)

    # The POST only queued it: its run is waiting, nothing counted, one task for the worker naming that run.
    assert response.redirect_chain == [(reverse("backoffice:privacy_retention"), 302)]
    run = RetentionRun.objects.get()
    assert run.rule == rule and run.dry_run and run.actor == dpo
    assert run.status == RetentionRun.Status.QUEUED and run.get_status_display() == "En attente"
    assert run.counts == {} and run.items == [] and run.finished_at is None
    (queued,) = DBTaskResult.objects.all()
    assert queued.task_path == "privacy.tasks.retention_dry_run"
    assert queued.args_kwargs["args"] == [run.pk, dpo.pk]
    page = response.content.decode()
    assert "lancée" in page and "Simulation en attente" in page and REFRESH in page
    assert _form(rule) not in page and _form(other) in page
    assert "<strong>en attente</strong>" in page
    page = _detail(dpo_client, run)
    assert "Simulation en attente" in page and REFRESH in page and "Ce qui partirait" not in page

    # A second click while it waits is refused, in French; nothing more is recorded or queued.
    response = _ask(dpo_client, rule, django_capture_on_commit_callbacks)
    assert "déjà en cours" in response.content.decode()
    assert RetentionRun.objects.count() == 1 and DBTaskResult.objects.count() == 1

    # The worker takes it and runs the task (called directly here, as the worker does).
    queued.claim("worker-de-test")
    queued.set_successful(retention_dry_run.call(*queued.args_kwargs["args"]))
    assert queued.task_result.return_value == {"run": run.pk, "status": "done"}
    asked_at = run.started_at
    run.refresh_from_db()
    assert run.status == RetentionRun.Status.DONE and run.counts == {"candidates": 1}
    assert [item["id"] for item in run.items] == [old_file.pk]
    assert run.started_at > asked_at and run.finished_at >= run.started_at
    assert run.cutoff == rule.cutoff(run.started_at)
    # Its history: asked for, taken by the worker, finished; each by the DPO who asked.
    history = list(run.history.order_by("history_date"))
    assert [h.status for h in history] == ["queued", "running", "done"]
    assert {h.history_user_id for h in history} == {dpo.pk}
    assert RetentionRun.objects.count() == 1

    page = _home(dpo_client)
    assert REFRESH not in page and "Simulation en attente" not in page and _form(rule) in page
    assert reverse("backoffice:privacy_run_detail", args=[run.pk]) in page and "1 concerné(s)" in page
    page = _detail(dpo_client, run)
    assert "Ce qui partirait" in page and f"<td>{old_file.pk}</td>" in page and REFRESH not in page


def test_a_second_delivery_of_the_task_does_nothing(dpo, rule, old_file, queue, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = services.retention_dry_run_request(rule=rule, actor=dpo)
    assert retention_dry_run.call(run.pk, dpo.pk) == {"run": run.pk, "status": "done"}
    run.refresh_from_db()
    done = (run.started_at, run.finished_at, run.counts, run.history.count())

    # Delivered again (a worker that died after finishing it): the run is left as it was, no new run.
    assert retention_dry_run.call(run.pk, dpo.pk) == {"run": run.pk, "status": "done"}
    run.refresh_from_db()
    assert (run.started_at, run.finished_at, run.counts, run.history.count()) == done
    assert RetentionRun.objects.count() == 1

    # Delivered again while the first delivery still runs it: left to that worker.
    RetentionRun.objects.filter(pk=run.pk).update(status=RetentionRun.Status.RUNNING, counts={}, finished_at=None)
    assert retention_dry_run.call(run.pk, dpo.pk) == {"run": run.pk, "status": "running"}
    run.refresh_from_db()
    assert run.counts == {} and run.finished_at is None and run.history.count() == done[3]


def test_a_queued_dry_run_never_taken_shows_interrupted_and_a_new_one_may_be_asked(
    dpo_client, dpo, rule, old_file, queue, settings, django_capture_on_commit_callbacks
):
    _ask(dpo_client, rule, django_capture_on_commit_callbacks)
    lost = RetentionRun.objects.get()

    # No worker took it within the lease: the pages say so and stop refreshing; "Simuler" is back.
    settings.PRIVACY_DRY_RUN_LEASE_SECONDS = 600
    RetentionRun.objects.filter(pk=lost.pk).update(started_at=timezone.now() - datetime.timedelta(seconds=700))
    page = _home(dpo_client)
    assert "interrompue" in page and REFRESH not in page and _form(rule) in page
    assert "Simulation en attente" not in page
    page = _detail(dpo_client, lost)
    assert "interrompue" in page and REFRESH not in page and "Ce qui partirait" not in page

    # A new one is queued; the lost one is marked failed, saying why in French.
    response = _ask(dpo_client, rule, django_capture_on_commit_callbacks)
    assert "lancée" in response.content.decode()
    new = RetentionRun.objects.exclude(pk=lost.pk).get()
    assert new.status == RetentionRun.Status.QUEUED
    lost.refresh_from_db()
    assert lost.status == RetentionRun.Status.FAILED and lost.error == retention_run.DRY_RUN_STALLED
    assert lost.counts == {} and lost.finished_at is not None

    # The lost one's task delivered late does nothing; the new one's task reports.
    assert retention_dry_run.call(lost.pk, dpo.pk) == {"run": lost.pk, "status": "failed"}
    lost.refresh_from_db()
    assert lost.status == RetentionRun.Status.FAILED and lost.counts == {}
    assert retention_dry_run.call(new.pk, dpo.pk) == {"run": new.pk, "status": "done"}
    new.refresh_from_db()
    assert new.counts == {"candidates": 1}


def test_a_running_dry_run_shows_en_cours_and_one_lost_with_its_worker_stops_refreshing(
    dpo_client, dpo, rule, settings, django_capture_on_commit_callbacks
):
    # What the worker records when it takes the task: the run, running.
    run = save_tracked(
        RetentionRun(rule=rule, actor=dpo, dry_run=True, cutoff=rule.cutoff(), status=RetentionRun.Status.RUNNING),
        dpo,
        "simulation",
    )

    page = _home(dpo_client)
    assert "Simulation en cours" in page and REFRESH in page and _form(rule) not in page
    page = _detail(dpo_client, run)
    assert "Simulation en cours" in page and REFRESH in page and "Rien ne partirait." not in page
    response = _ask(dpo_client, rule, django_capture_on_commit_callbacks)
    assert "déjà en cours" in response.content.decode()
    assert RetentionRun.objects.count() == 1

    # Its worker died: after the lease the pages say so, stop refreshing, and a new dry run may be asked for.
    settings.PRIVACY_DRY_RUN_LEASE_SECONDS = 600
    RetentionRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - datetime.timedelta(seconds=700))
    page = _home(dpo_client)
    assert "interrompue" in page and REFRESH not in page and _form(rule) in page
    page = _detail(dpo_client, run)
    assert "interrompue" in page and REFRESH not in page
    response = _ask(dpo_client, rule, django_capture_on_commit_callbacks)
    assert "lancée" in response.content.decode()
    new = RetentionRun.objects.exclude(pk=run.pk).get()
    assert new.status == RetentionRun.Status.DONE  # the backend ran it once the request committed


def test_a_dpo_who_lost_the_role_before_the_worker_ran_gets_nothing_counted(
    client, dpo_client, dpo, rule, old_file, queue, django_capture_on_commit_callbacks
):
    _ask(dpo_client, rule, django_capture_on_commit_callbacks)
    run = RetentionRun.objects.get()
    today = timezone.localdate()
    dpo.memberships.update(start_date=today - datetime.timedelta(days=30), end_date=today - datetime.timedelta(days=1))

    assert retention_dry_run.call(run.pk, dpo.pk) == {"run": run.pk, "status": "failed"}
    run.refresh_from_db()
    assert run.status == RetentionRun.Status.FAILED and run.error == retention_run.DRY_RUN_NOT_DPO
    assert run.counts == {} and run.items == [] and run.finished_at is not None
    assert dpo.last_name not in run.error and dpo.email not in run.error

    # The DPO who took over sees why, no report, no refreshing; the rule may be simulated again.
    successor = MembershipFactory(team=dpo.memberships.get().team, role=Membership.Role.DPO).user
    verify_otp(client, successor)
    page = _detail(client, run)
    assert "plus le rôle de délégué" in page and "Ce qui partirait" not in page and REFRESH not in page
    page = _home(client)
    assert REFRESH not in page and _form(rule) in page


def test_a_dry_run_the_queue_refuses_is_marked_failed_and_may_be_asked_again(
    dpo_client, dpo, rule, settings, django_capture_on_commit_callbacks
):
    # A queue that takes no task of the default queue (a misconfigured deployment): the enqueue raises.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["autre"]}}

    response = _ask(dpo_client, rule, django_capture_on_commit_callbacks)

    run = RetentionRun.objects.get()
    assert run.status == RetentionRun.Status.FAILED and run.error == retention_run.DRY_RUN_NOT_QUEUED
    assert not DBTaskResult.objects.exists()
    assert response.status_code == 200
    page = _detail(dpo_client, run)
    assert "file des tâches" in page and REFRESH not in page and "Ce qui partirait" not in page
    assert _form(rule) in _home(dpo_client)
