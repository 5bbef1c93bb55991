"""A retention dry run asked for from the screen runs in the background worker, not in the POST: the
retention page shows it waiting, then running, and refreshes itself until its report is there; a second
click while one waits or runs is refused; a dry run lost with its worker stops the refreshing."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from grc.history import save_tracked
from grc.privacy.models import RetentionRule, RetentionRun
from grc.privacy.retention import retention_rules_ensure
from grc.privacy.tasks import retention_dry_run

REFRESH = '<meta http-equiv="refresh" content="5">'


@pytest.fixture
def rule(dpo):
    retention_rules_ensure(actor=dpo)
    return RetentionRule.objects.get(purpose="social_file")


def _form(rule):
    return f'action="{reverse("backoffice:privacy_rule_dry_run", args=[rule.pk])}"'


def _home(client):
    response = client.get(reverse("backoffice:privacy_retention"))
    assert response.status_code == 200
    return response.content.decode()


def test_when_the_backend_runs_tasks_at_once_the_dpo_lands_on_the_report(dpo_client, dpo, rule):
    response = dpo_client.post(reverse("backoffice:privacy_rule_dry_run", args=[rule.pk]))

    run = RetentionRun.objects.get(rule=rule)
    assert response.status_code == 302 and response.url == reverse("backoffice:privacy_run_detail", args=[run.pk])
    assert run.dry_run and run.status == RetentionRun.Status.DONE and run.actor == dpo
    page = dpo_client.get(response.url).content.decode()
    assert "Rien ne partirait." in page and REFRESH not in page


def test_with_the_database_queue_the_dry_run_waits_then_reports(dpo_client, dpo, rule, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    other = RetentionRule.objects.get(purpose="mail")

    response = dpo_client.post(reverse("backoffice:privacy_rule_dry_run", args=[rule.pk]), follow=True)

    # The POST only queued it: no run yet, one task for the worker, as the DPO who asked.
    assert response.redirect_chain == [(reverse("backoffice:privacy_retention"), 302)]
    assert not RetentionRun.objects.exists()
    (queued,) = DBTaskResult.objects.all()
    assert queued.task_path == "grc.privacy.tasks.retention_dry_run"
    assert queued.args_kwargs["args"] == [rule.pk, dpo.pk]
    page = response.content.decode()
    assert "lancée" in page and "Simulation en attente" in page and REFRESH in page
    assert _form(rule) not in page and _form(other) in page

    # A second click while it waits is refused, in French; nothing more is queued.
    response = dpo_client.post(reverse("backoffice:privacy_rule_dry_run", args=[rule.pk]), follow=True)
    assert "déjà en cours" in response.content.decode()
    assert DBTaskResult.objects.count() == 1

    # The worker takes it and runs the task (called directly here, as the worker does).
    queued.claim("worker-de-test")
    queued.set_successful(retention_dry_run.call(*queued.args_kwargs["args"]))
    run = RetentionRun.objects.get(rule=rule)
    assert run.dry_run and run.status == RetentionRun.Status.DONE and run.actor == dpo
    assert queued.task_result.return_value == {"run": run.pk, "status": "done"}

    page = _home(dpo_client)
    assert REFRESH not in page and "Simulation en attente" not in page and _form(rule) in page
    assert reverse("backoffice:privacy_run_detail", args=[run.pk]) in page
    page = dpo_client.get(reverse("backoffice:privacy_run_detail", args=[run.pk])).content.decode()
    assert "Décompte" in page and "Rien ne partirait." in page and REFRESH not in page


def test_a_running_dry_run_shows_en_cours_and_one_lost_with_its_worker_stops_refreshing(
    dpo_client, dpo, rule, settings
):
    # What the worker records first when it takes the task: the run, running.
    run = save_tracked(
        RetentionRun(rule=rule, actor=dpo, dry_run=True, cutoff=rule.cutoff(), status=RetentionRun.Status.RUNNING),
        dpo,
        "simulation",
    )
    detail = reverse("backoffice:privacy_run_detail", args=[run.pk])

    page = _home(dpo_client)
    assert "Simulation en cours" in page and REFRESH in page and _form(rule) not in page
    page = dpo_client.get(detail).content.decode()
    assert "Simulation en cours" in page and REFRESH in page and "Rien ne partirait." not in page
    response = dpo_client.post(reverse("backoffice:privacy_rule_dry_run", args=[rule.pk]), follow=True)
    assert "déjà en cours" in response.content.decode()
    assert RetentionRun.objects.count() == 1

    # Its worker died: after the lease the pages say so, stop refreshing, and a new dry run may be asked for.
    settings.PRIVACY_DRY_RUN_LEASE_SECONDS = 600
    RetentionRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - datetime.timedelta(seconds=700))
    page = _home(dpo_client)
    assert "interrompue" in page and REFRESH not in page and _form(rule) in page
    page = dpo_client.get(detail).content.decode()
    assert "interrompue" in page and REFRESH not in page
    response = dpo_client.post(reverse("backoffice:privacy_rule_dry_run", args=[rule.pk]))
    new = RetentionRun.objects.exclude(pk=run.pk).get()
    assert response.url == reverse("backoffice:privacy_run_detail", args=[new.pk])
    assert new.status == RetentionRun.Status.DONE
