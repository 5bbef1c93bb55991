"""An erasure (Art. 17) is asked for on the register entry and carried out by the background worker: the POST
only records it "en attente" (nothing erased yet) and queues it on commit; the entry says so and refreshes
itself, then shows it done (with its retention runs and exports) or failed with a French reason, and offers
the button again after a failure. What makes it impossible is refused at once, in French, with nothing
queued; a second click while one waits or runs is refused; a second delivery of the task does nothing; an
erasure whose worker died is shown interrupted and a new one may be asked for; a DPO who lost the role
before the worker ran gets nothing erased."""

import datetime
import html
import logging

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from dossier_unique.models import Accompaniment, Note
from grc.models import Citizen
from privacy import retention, services
from privacy.models import ErasureExecution, RetentionExport, RetentionRun
from privacy.retention import erasure as retention_erasure
from privacy.tasks import execute_erasure
from tests.privacy.conftest import gdpr_entry, stored

REFRESH = '<meta name="grc-refresh" content="5">'
S = ErasureExecution.Status


@pytest.fixture
def entry(dpo, rich):
    return gdpr_entry(dpo=dpo, citizen=rich["citizen"], kind="erasure")


@pytest.fixture
def closed(rich):
    """Nothing open any more: the accompaniment is closed (the request of the fixture is decided)."""
    Accompaniment.objects.filter(file=rich["file"]).update(status="closed", end_date=timezone.localdate())
    return rich


@pytest.fixture
def queue(settings):
    """The database task queue, as in production: enqueuing only writes a row for the worker."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _ask(client, entry, capture, *, execute=False, confirm="on"):
    """Click "Effacer les données de l'usager" as the browser does; with ``execute``, what the view schedules
    on commit (the enqueue; the test backend then runs the task at once) runs too. Returns the callbacks
    scheduled on commit and the page the DPO lands on."""
    with capture(execute=execute) as callbacks:
        response = client.post(reverse("backoffice:privacy_erasure_execute", args=[entry.pk]), {"confirm": confirm})
    assert response.status_code == 302
    return list(callbacks), _page(client, entry)


def _run(callbacks, capture):
    """The commit of the DPO's request happens: its callbacks run (and what they schedule on commit)."""
    with capture(execute=True):
        for callback in callbacks:
            callback()


def _page(client, entry):
    """The register entry's page, its text unescaped (French apostrophes come escaped)."""
    response = client.get(entry.get_absolute_url())
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def _form(entry):
    return f'action="{reverse("backoffice:privacy_erasure_execute", args=[entry.pk])}"'


def _erasure_runs(entry):
    return RetentionRun.objects.filter(items__contains=[{"type": "effacement", "id": entry.pk}])


def _untouched(rich):
    citizen = Citizen.objects.get(pk=rich["citizen"].pk)
    return (
        citizen.birth_name == "Lemoine"
        and Note.objects.filter(file=rich["file"]).exists()
        and stored(rich["document"].content)
        and not RetentionRun.objects.filter(items__contains=[{"type": "effacement"}]).exists()
    )


def test_the_post_returns_with_the_erasure_pending_and_the_worker_erases(
    dpo_client, dpo, entry, closed, django_capture_on_commit_callbacks
):
    rich = closed
    callbacks, page = _ask(dpo_client, entry, django_capture_on_commit_callbacks)

    # Only recorded and queued on commit: nothing is erased yet.
    erasure = ErasureExecution.objects.get(gdpr_request=entry)
    assert (erasure.status, erasure.requested_by, erasure.started_at) == (S.PENDING, dpo, None)
    assert len(callbacks) == 1
    assert _untouched(rich)
    assert "Effacement demandé : il s'exécute en arrière-plan ; cette page se met à jour" in page
    assert "en attente" in page and REFRESH in page and _form(entry) not in page
    assert "déjà en attente ou en cours" not in page

    _run(callbacks, django_capture_on_commit_callbacks)

    erasure.refresh_from_db()
    assert erasure.status == S.DONE and erasure.error == "" and erasure.finished_at is not None
    runs = list(_erasure_runs(entry).select_related("rule"))
    assert {run.rule.purpose for run in runs} == {"portal_account", "request", "mail", "social_file"}
    assert sorted(erasure.run_ids) == sorted(run.pk for run in runs)
    assert all(run.actor_id == dpo.pk and run.status == RetentionRun.Status.DONE for run in runs)
    exports = RetentionExport.objects.filter(run__in=runs)
    assert exports.exists() and erasure.export_count == exports.count()
    citizen = rich["citizen"]
    citizen.refresh_from_db()
    assert citizen.birth_name == "ANONYMISÉ" and citizen.user_id is None
    assert not Note.objects.filter(file=rich["file"]).exists()
    assert not stored(rich["document"].content)
    # Nobody else: the spouse and the homonym keep everything.
    rich["spouse"].refresh_from_db()
    rich["homonym"].refresh_from_db()
    assert rich["spouse"].birth_name == "Secretconjoint" and rich["homonym"].birth_name == "Lemoine"
    assert Note.objects.filter(file=rich["homonym_file"], text="NOTE-DE-L-HOMONYME").exists()
    # The entry says it is over, with what was done; no more refreshing, no button.
    page = _page(dpo_client, entry)
    assert "terminé" in page and "Répondez au demandeur" in page and REFRESH not in page
    assert f"{len(runs)} traitement(s), dont {erasure.export_count} versement(s) aux Archives" in page
    assert reverse("backoffice:privacy_run_detail", args=[runs[0].pk]) in page
    assert _form(entry) not in page
    # History of the erasure: asked, started, done, each naming the DPO.
    assert list(erasure.history.order_by("history_id").values_list("status", "history_user")) == [
        (S.PENDING, dpo.pk),
        (S.RUNNING, dpo.pk),
        (S.DONE, dpo.pk),
    ]


def test_with_the_database_queue_the_worker_runs_the_task_once(
    dpo_client, dpo, entry, closed, queue, django_capture_on_commit_callbacks
):
    _, page = _ask(dpo_client, entry, django_capture_on_commit_callbacks, execute=True)

    erasure = ErasureExecution.objects.get(gdpr_request=entry)
    assert erasure.status == S.PENDING and REFRESH in page and "en attente" in page
    (queued,) = DBTaskResult.objects.all()
    assert queued.task_path == "privacy.tasks.execute_erasure"
    assert queued.args_kwargs["args"] == [erasure.pk, dpo.pk]
    assert _untouched(closed)

    # The worker takes it (called directly here); the entry shows it running meanwhile.
    ErasureExecution.objects.filter(pk=erasure.pk).update(status=S.RUNNING, started_at=timezone.now())
    page = _page(dpo_client, entry)
    assert "en cours" in page and REFRESH in page and _form(entry) not in page
    ErasureExecution.objects.filter(pk=erasure.pk).update(status=S.PENDING, started_at=None)

    assert execute_erasure.call(*queued.args_kwargs["args"]) == "done"
    erasure.refresh_from_db()
    runs = list(erasure.run_ids)
    assert erasure.status == S.DONE and runs
    # A second delivery of the same task finds nothing to do.
    assert execute_erasure.call(*queued.args_kwargs["args"]) == "skipped"
    erasure.refresh_from_db()
    assert erasure.status == S.DONE and erasure.run_ids == runs
    assert _erasure_runs(entry).count() == len(runs)
    assert erasure.history.count() == 3


def test_a_second_click_while_one_waits_is_refused_in_french(
    dpo_client, entry, closed, django_capture_on_commit_callbacks
):
    first, _ = _ask(dpo_client, entry, django_capture_on_commit_callbacks)
    second, page = _ask(dpo_client, entry, django_capture_on_commit_callbacks)

    erasure = ErasureExecution.objects.get(gdpr_request=entry)
    assert f"L'effacement n° {erasure.pk} de cette demande est déjà en attente ou en cours" in page
    assert len(first) == 1 and second == []
    assert ErasureExecution.objects.filter(gdpr_request=entry).count() == 1
    # Running too.
    ErasureExecution.objects.filter(pk=erasure.pk).update(status=S.RUNNING, started_at=timezone.now())
    third, page = _ask(dpo_client, entry, django_capture_on_commit_callbacks)
    assert "déjà en attente ou en cours" in page and third == []
    assert ErasureExecution.objects.filter(gdpr_request=entry).count() == 1


def test_what_makes_it_impossible_is_refused_at_once_with_nothing_queued(
    dpo_client, dpo, entry, rich, django_capture_on_commit_callbacks
):
    # The accompaniment of the fixture is still open.
    callbacks, page = _ask(dpo_client, entry, django_capture_on_commit_callbacks)
    assert "Un accompagnement est en cours : il doit être clos avant l'effacement." in page
    assert callbacks == [] and not ErasureExecution.objects.exists()
    assert _form(entry) in page and REFRESH not in page
    assert _untouched(rich)

    # An open request of the person.
    Accompaniment.objects.filter(file=rich["file"]).update(status="closed", end_date=timezone.localdate())
    type(rich["request"]).objects.filter(pk=rich["request"].pk).update(status="in_review")
    callbacks, page = _ask(dpo_client, entry, django_capture_on_commit_callbacks)
    assert (
        "Une demande est en cours d'instruction" in page and callbacks == [] and not ErasureExecution.objects.exists()
    )

    # Not an erasure request: refused too, whoever calls.
    access = gdpr_entry(dpo=dpo, citizen=rich["citizen"], kind="access")
    with pytest.raises(ValidationError, match="Seule une demande d'effacement"):
        services.erasure_request(gdpr_request=access, actor=dpo)
    # Without the ticked box, nothing either.
    type(rich["request"]).objects.filter(pk=rich["request"].pk).update(status="accepted")
    callbacks, page = _ask(dpo_client, entry, django_capture_on_commit_callbacks, confirm="")
    assert "Cochez la case de confirmation" in page and callbacks == [] and not ErasureExecution.objects.exists()


def test_only_the_dpo_asks_for_an_erasure(entry, closed, worker_a, client):
    with pytest.raises(PermissionDenied):
        services.erasure_request(gdpr_request=entry, actor=worker_a)
    from tests.factories import verify_otp

    verify_otp(client, worker_a)
    response = client.post(reverse("backoffice:privacy_erasure_execute", args=[entry.pk]), {"confirm": "on"})
    assert response.status_code == 404
    assert not ErasureExecution.objects.exists()


def test_an_erasure_whose_worker_died_is_shown_interrupted_and_may_be_asked_again(
    dpo_client, dpo, entry, closed, settings, django_capture_on_commit_callbacks
):
    _ask(dpo_client, entry, django_capture_on_commit_callbacks)
    lost = ErasureExecution.objects.get(gdpr_request=entry)
    settings.PRIVACY_ERASURE_LEASE_SECONDS = 600
    ErasureExecution.objects.filter(pk=lost.pk).update(requested_at=timezone.now() - datetime.timedelta(seconds=700))

    page = _page(dpo_client, entry)
    assert "interrompu" in page and REFRESH not in page and _form(entry) in page

    # Running for longer than the lease: its worker died, the same.
    ErasureExecution.objects.filter(pk=lost.pk).update(
        status=S.RUNNING, started_at=timezone.now() - datetime.timedelta(seconds=700)
    )
    page = _page(dpo_client, entry)
    assert "interrompu" in page and REFRESH not in page and _form(entry) in page

    _, page = _ask(dpo_client, entry, django_capture_on_commit_callbacks, execute=True)
    lost.refresh_from_db()
    assert lost.status == S.FAILED and lost.error == retention.ERASURE_FAILURE_STALLED
    new = ErasureExecution.objects.exclude(pk=lost.pk).get(gdpr_request=entry)
    assert new.status == S.DONE
    assert "terminé" in page and "en échec" in page and REFRESH not in page
    # The lost one's late task does nothing.
    assert execute_erasure.call(lost.pk, dpo.pk) == "skipped"
    lost.refresh_from_db()
    assert lost.status == S.FAILED


def test_a_dpo_who_lost_the_role_before_the_worker_ran_gets_nothing_erased(
    dpo_client, dpo, entry, closed, django_capture_on_commit_callbacks
):
    callbacks, _ = _ask(dpo_client, entry, django_capture_on_commit_callbacks)
    today = timezone.localdate()
    dpo.memberships.update(start_date=today - datetime.timedelta(days=30), end_date=today - datetime.timedelta(days=1))

    _run(callbacks, django_capture_on_commit_callbacks)

    erasure = ErasureExecution.objects.get(gdpr_request=entry)
    assert erasure.status == S.FAILED and erasure.error == retention.ERASURE_FAILURE_ROLE
    assert erasure.run_ids == [] and erasure.export_count == 0
    assert _untouched(closed)


def test_what_changed_before_the_worker_ran_is_checked_again(
    dpo_client, dpo, entry, closed, django_capture_on_commit_callbacks
):
    callbacks, _ = _ask(dpo_client, entry, django_capture_on_commit_callbacks)
    # The accompaniment was reopened meanwhile.
    Accompaniment.objects.filter(file=closed["file"]).update(status="open", end_date=None)

    _run(callbacks, django_capture_on_commit_callbacks)

    erasure = ErasureExecution.objects.get(gdpr_request=entry)
    assert erasure.status == S.FAILED
    assert erasure.error.startswith("Un accompagnement est en cours") and "Rien n'a été effacé" in erasure.error
    assert _untouched(closed)
    page = _page(dpo_client, entry)
    assert "en échec" in page and "Un accompagnement est en cours" in page
    assert REFRESH not in page


def test_an_enqueue_failure_marks_the_erasure_failed_and_the_button_is_offered_again(
    dpo_client, entry, closed, settings, django_capture_on_commit_callbacks
):
    # A queue that takes no task of the default queue (a misconfigured deployment): the enqueue raises.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["autre"]}}

    _, page = _ask(dpo_client, entry, django_capture_on_commit_callbacks, execute=True)

    erasure = ErasureExecution.objects.get(gdpr_request=entry)
    assert erasure.status == S.FAILED and erasure.error == retention.ERASURE_FAILURE_NOT_QUEUED
    assert not DBTaskResult.objects.exists()
    assert "en échec" in page and "file des traitements indisponible" in page
    assert REFRESH not in page and _form(entry) in page
    assert _untouched(closed)


def test_a_failure_in_the_worker_says_why_in_french_without_personal_data(
    dpo_client, dpo, entry, closed, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    nir = closed["citizen"].nir

    def broken(**kwargs):
        raise RuntimeError(f"Lemoine Claire {nir}")

    monkeypatch.setattr(retention_erasure, "citizen_erase", broken)
    with caplog.at_level(logging.WARNING, logger="privacy.retention"):
        _, page = _ask(dpo_client, entry, django_capture_on_commit_callbacks, execute=True)

    erasure = ErasureExecution.objects.get(gdpr_request=entry)
    assert erasure.status == S.FAILED and erasure.error == retention.ERASURE_FAILURE_OTHER
    for personal in ("Lemoine", "Claire", nir):
        assert personal not in erasure.error
        assert personal not in caplog.text
    assert "RuntimeError" in caplog.text
    assert "en échec" in page and "erreur technique" in page and _form(entry) in page

    # The cause is fixed; the DPO asks again and the erasure goes through.
    monkeypatch.undo()
    _, page = _ask(dpo_client, entry, django_capture_on_commit_callbacks, execute=True)
    assert ErasureExecution.objects.filter(gdpr_request=entry, status=S.DONE).count() == 1
    assert "terminé" in page and _form(entry) not in page


def test_the_closed_register_entry_still_shows_its_erasure(
    dpo_client, dpo, entry, closed, django_capture_on_commit_callbacks
):
    _ask(dpo_client, entry, django_capture_on_commit_callbacks, execute=True)
    services.gdpr_request_transition(gdpr_request=entry, actor=dpo, to_status="answered")

    page = _page(dpo_client, entry)
    assert "terminé" in page and _form(entry) not in page


def test_a_refused_form_while_the_erasure_waits_is_not_reloaded(dpo_client, dpo, entry, closed):
    """The entry comes back as the answer to the refused POST: a reload would post it again."""
    ErasureExecution.objects.create(gdpr_request=entry, requested_by=dpo)
    assert REFRESH in _page(dpo_client, entry)
    response = dpo_client.post(reverse("backoffice:privacy_request_extend", args=[entry.pk]), {"reason": ""})
    assert response.status_code == 400
    body = html.unescape(response.content.decode())
    assert "en attente" in body
    assert REFRESH not in body and 'http-equiv="refresh"' not in body
