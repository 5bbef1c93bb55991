"""Bulk actions in a team's request queue: tick, confirm, the worker runs them with a result per row, and an
assignment can be undone."""

from __future__ import annotations

import pytest
from django.urls import reverse

from demandes import services as request_services
from demandes.models import Request
from tests.factories import verify_otp
from tests.requests.factories import filed_request, instructor
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
