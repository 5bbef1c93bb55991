"""Bulk actions in a team's request queue: tick, confirm, the worker runs them with a result per row, an
assignment can be undone, requests are closed in bulk with the reason their service asks for."""

from __future__ import annotations

import pytest
from django.urls import reverse

from demandes import services as request_services
from demandes.models import Request
from tests.factories import verify_otp
from tests.requests.factories import filed_request, instructor
from travail import bulk
from travail.models import BulkJob

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(team_a):
    agent, colleague = instructor(team_a), instructor(team_a)
    requests = [filed_request(team=team_a) for _ in range(3)]
    request_services.request_assign(request=requests[0], user=agent, actor=agent)
    request_services.request_close(request=requests[2], reason="Doublon", actor=agent)
    return {"agent": agent, "colleague": colleague, "requests": requests}


def test_bulk_assign_then_undo_with_a_result_per_row(client, queue, team_a, django_capture_on_commit_callbacks):
    client = verify_otp(client, queue["agent"])
    page = client.get(reverse("backoffice:request_queue", args=[team_a.pk]), {"statut": "all"}).content.decode()
    assert 'name="codes"' in page and 'form="bulk-form"' in page
    codes = [r.tracking_code for r in queue["requests"]]
    url = reverse("backoffice:request_bulk", args=[team_a.pk])
    confirm = client.post(url, {"codes": codes, "action": "assign"}).content.decode()
    assert "3 demandes sélectionnées" in confirm and not BulkJob.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(url, {"codes": codes, "action": "assign", "assignee": queue["colleague"].pk,
                                    "confirm": "1"})  # fmt: skip
    job = BulkJob.objects.get()
    assert started.url == reverse("backoffice:bulk_job", args=[job.pk])
    assert (job.status, job.done, job.total) == ("done", 3, 3)
    assert [row["ok"] for row in job.results] == [True, True, False]
    closed = "Cette action n'est pas possible pour une demande au statut « Classée sans suite »."
    assert job.results[2]["message"] == closed
    assignees = dict(Request.objects.values_list("tracking_code", "assigned_to"))
    assert assignees[codes[0]] == assignees[codes[1]] == queue["colleague"].pk
    result_page = client.get(started.url).content.decode()
    assert "3 sur 3" in result_page and "refusée" in result_page and "Annuler cette attribution" in result_page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("backoffice:bulk_job_undo", args=[job.pk]))
    assignees = dict(Request.objects.values_list("tracking_code", "assigned_to"))
    assert assignees[codes[0]] == queue["agent"].pk and assignees[codes[1]] is None


def test_bulk_refusals_are_french_and_outsiders_get_404(client, queue, team_a, worker_b):
    client = verify_otp(client, queue["agent"])
    url = reverse("backoffice:request_bulk", args=[team_a.pk])
    nothing = client.post(url, {"action": "assign", "confirm": "1"})
    assert nothing.status_code == 422 and "Cochez au moins une demande." in nothing.content.decode()
    hostile = client.post(url, {"codes": ["../../x", "<b>"], "action": "assign", "confirm": "1"})
    assert hostile.status_code == 422 and "Numéro de demande invalide." in hostile.content.decode()
    assert not BulkJob.objects.exists()
    other = verify_otp(type(client)(), worker_b)
    assert other.post(url, {"codes": [queue["requests"][0].tracking_code], "action": "assign"}).status_code == 404


def test_bulk_close_asks_the_reason_and_closes_each_open_request_through_its_service(
    client, queue, team_a, django_capture_on_commit_callbacks
):
    client = verify_otp(client, queue["agent"])
    codes = [r.tracking_code for r in queue["requests"]]
    url = reverse("backoffice:request_bulk", args=[team_a.pk])
    confirm = client.post(url, {"codes": codes, "action": "close"}).content.decode()
    assert "Motif du classement sans suite" in confirm and 'name="reason"' in confirm
    blank = client.post(url, {"codes": codes, "action": "close", "reason": "   ", "confirm": "1"})
    assert (
        blank.status_code == 422
        and "Indiquez pourquoi les demandes sont classées sans suite." in blank.content.decode()
    )
    assert not BulkJob.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"codes": codes, "action": "close", "reason": "Doublon du dossier papier", "confirm": "1"})
    job = BulkJob.objects.get()
    assert (job.action, job.done, [row["ok"] for row in job.results]) == ("close", 3, [True, True, False])
    statuses = dict(Request.objects.values_list("tracking_code", "status"))
    assert statuses[codes[0]] == statuses[codes[1]] == Request.Status.CLOSED
    closed = Request.objects.get(tracking_code=codes[1])
    assert (
        closed.decision_reason == "Doublon du dossier papier" and closed.history.first().history_user == queue["agent"]
    )
    assert closed.events.filter(to_status=Request.Status.CLOSED, comment="Doublon du dossier papier").exists()
    page = client.get(reverse("backoffice:bulk_job", args=[job.pk])).content.decode()
    assert "Classer des demandes sans suite" in page and "classée sans suite" in page
    assert "Annuler cette attribution" not in page


def test_a_bulk_request_job_costs_a_bounded_number_of_queries_per_row(queue, team_a, django_assert_max_num_queries):
    rows = [filed_request(team=team_a) for _ in range(6)]
    codes = [r.tracking_code for r in rows]
    job = BulkJob.objects.create(actor=queue["agent"], team=team_a, action=bulk.ASSIGN, assignee=queue["colleague"],
                                 codes=codes, total=6)  # fmt: skip
    # Per row: savepoint, lock, membership, update, history, event, release (7); the requests are read once.
    with django_assert_max_num_queries(7 * 6 + 8):
        bulk.bulk_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.done == 6 and all(row["ok"] for row in job.results)
