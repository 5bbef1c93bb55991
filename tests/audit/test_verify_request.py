"""The DPO's "Vérifier maintenant": one verification at a time (each reads the whole log), the console page
follows it until its result, and one whose worker died is shown interrupted and may be asked again."""

import datetime
import html

import pytest
from django.urls import reverse
from django.utils import timezone

from grc.audit.models import LogVerification
from grc.audit.tasks import verify_access_log

pytestmark = pytest.mark.django_db

REFRESH = '<meta name="grc-refresh" content="5">'
BUTTON = "Vérifier maintenant"


def _click(client, capture, *, execute):
    with capture(execute=execute) as callbacks:
        response = client.post(reverse("backoffice:dpo_verify_now"), follow=True)
    assert response.status_code == 200
    return list(callbacks), html.unescape(response.content.decode())


def test_the_click_records_the_run_and_the_worker_fills_it_in(dpo_client, django_capture_on_commit_callbacks):
    callbacks, page = _click(dpo_client, django_capture_on_commit_callbacks, execute=False)
    run = LogVerification.objects.get()
    assert (run.finished_at, run.ok) == (None, None)
    assert "La vérification du journal est lancée" in page

    page = html.unescape(dpo_client.get(reverse("backoffice:dpo_home")).content.decode())
    assert "Vérification en cours depuis le" in page
    assert REFRESH in page
    assert BUTTON not in page

    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    run.refresh_from_db()
    assert run.ok is True and run.finished_at is not None
    assert LogVerification.objects.count() == 1  # the asked run was filled in, not a second one
    page = html.unescape(dpo_client.get(reverse("backoffice:dpo_home")).content.decode())
    assert "journal intègre" in page and REFRESH not in page and BUTTON in page


def test_a_second_click_while_one_runs_is_refused(dpo_client, django_capture_on_commit_callbacks):
    _click(dpo_client, django_capture_on_commit_callbacks, execute=False)
    callbacks, page = _click(dpo_client, django_capture_on_commit_callbacks, execute=False)
    assert "Une vérification est déjà en cours (demandée le" in page
    assert callbacks == []
    assert LogVerification.objects.count() == 1


def test_a_verification_whose_worker_died_is_interrupted_and_may_be_asked_again(
    dpo_client, django_capture_on_commit_callbacks
):
    lost = LogVerification.objects.create(started_at=timezone.now() - datetime.timedelta(hours=6, minutes=1))
    page = html.unescape(dpo_client.get(reverse("backoffice:dpo_home")).content.decode())
    assert "elle a été interrompue" in page and "Interrompue" in page
    assert REFRESH not in page and BUTTON in page

    _click(dpo_client, django_capture_on_commit_callbacks, execute=True)
    assert LogVerification.objects.exclude(pk=lost.pk).get().ok is True


def test_a_second_delivery_of_the_task_does_nothing(dpo_client, django_capture_on_commit_callbacks):
    _click(dpo_client, django_capture_on_commit_callbacks, execute=True)
    run = LogVerification.objects.get()
    assert verify_access_log.call(run_id=run.pk) == {"run": run.pk, "skipped": True}
    assert LogVerification.objects.count() == 1


def test_the_nightly_run_records_its_own_verification(db):
    result = verify_access_log.call()
    assert LogVerification.objects.get(pk=result["run"]).ok is True


def test_an_enqueue_failure_is_shown_and_the_button_offered_again(
    dpo_client, django_capture_on_commit_callbacks, settings
):
    # A queue that takes no task of the default queue (a misconfigured deployment): the enqueue raises.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["autre"]}}
    _click(dpo_client, django_capture_on_commit_callbacks, execute=True)
    run = LogVerification.objects.get()
    assert run.ok is False and "n'a pas pu être lancée" in run.message
    page = html.unescape(dpo_client.get(reverse("backoffice:dpo_home")).content.decode())
    assert BUTTON in page and REFRESH not in page


def test_only_the_dpo_may_ask(staff_client):
    assert staff_client.post(reverse("backoffice:dpo_verify_now")).status_code == 404
    assert not LogVerification.objects.exists()
