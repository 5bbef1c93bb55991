"""A team manager hands an absent colleague's work to another agent in one action, with history; the worker
moves each thing and the job's page shows the progress and one line per thing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from demandes import services as request_services
from demandes.models import Request, RequestEvent
from dossier_unique import perms as file_perms
from grc.models import Membership
from mail.models import MailItem
from tests.dossier_unique.factories import open_file
from tests.factories import MembershipFactory, verify_otp
from tests.requests.factories import filed_request
from travail import handover, services
from travail.models import BulkJob, Notification, Task

pytestmark = pytest.mark.django_db


def _letter(team, assigned_to, n=1):
    year = timezone.localdate().year
    return MailItem.objects.create(
        registration_number=f"{year}-C-9{n:05d}", year=year, number=900000 + n, original="x/none.pdf",
        original_name="scan.pdf", content_type="application/pdf", size=1, sha256=f"{n:064d}",
        uploaded_by=assigned_to, status=MailItem.Status.ROUTED, team=team, assigned_to=assigned_to,
    )  # fmt: skip


@pytest.fixture
def absence(team_a, team_b, manager_a, worker_a, colleague_a, citizen):
    """``worker_a`` (absent) holds, in team A: a request, a letter, an accompaniment as referent and a task;
    in team B (not managed by ``manager_a``): a request."""
    MembershipFactory(user=worker_a, team=team_b, role=Membership.Role.INSTRUCTOR)
    mine = filed_request(team=team_a)
    request_services.request_assign(request=mine, user=worker_a, actor=worker_a)
    elsewhere = filed_request(team=team_b)
    request_services.request_assign(request=elsewhere, user=worker_a, actor=worker_a)
    file, accompaniment = open_file(citizen=citizen, team=team_a, actor=worker_a, referent=worker_a)
    task = services.task_create(actor=worker_a, title="Rappeler", assignee=worker_a)
    return {"request": mine, "elsewhere": elsewhere, "letter": _letter(team_a, worker_a), "file": file,
            "accompaniment": accompaniment, "task": task}  # fmt: skip


def test_a_manager_moves_requests_letters_files_and_tasks_in_one_action(
    absence, manager_a, worker_a, colleague_a, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    assert handover.handover_preview(actor=manager_a, absent=worker_a) == {
        "requests": 1, "letters": 1, "accompaniments": 1, "tasks": 1,
    }  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        job = handover.handover_start(actor=manager_a, absent=worker_a, to_user=colleague_a, reason="Congé")
    job.refresh_from_db()
    assert (job.action, job.status, job.done, job.total, job.actor) == ("handover", "done", 4, 4, manager_a)
    assert [(line["kind"], line["ok"]) for line in job.results] == [
        ("demande", True), ("courrier", True), ("accompagnement", True), ("tâche", True),
    ]  # fmt: skip
    assert job.results[0]["code"] == absence["request"].tracking_code
    req = Request.objects.get(pk=absence["request"].pk)
    assert req.assigned_to == colleague_a and req.history.first().history_user == manager_a
    assert RequestEvent.objects.filter(request=req, actor=manager_a, visible_to_citizen=False).exists()
    assert MailItem.objects.get(pk=absence["letter"].pk).assigned_to == colleague_a
    absence["accompaniment"].refresh_from_db()
    assert absence["accompaniment"].referent == colleague_a
    assert "changement de référent : Congé" in absence["accompaniment"].history.first().history_change_reason
    assert Task.objects.get(pk=absence["task"].pk).assignee == colleague_a
    # The request of a team the manager does not manage stays where it was.
    assert Request.objects.get(pk=absence["elsewhere"].pk).assigned_to == worker_a
    assert Notification.objects.filter(recipient=colleague_a, kind=Notification.Kind.WORK_TRANSFERRED).count() == 1
    assert file_perms.can_view_file(colleague_a, absence["file"])
    # Run again (a retried worker call): a finished job does nothing more.
    with django_assert_max_num_queries(2):
        handover.handover_run(job_id=job.pk, absent_id=worker_a.pk, reason="Congé")


def test_only_a_manager_of_the_colleague_hands_over(absence, worker_a, colleague_a, worker_b):
    with pytest.raises(PermissionDenied):
        handover.handover_start(actor=colleague_a, absent=worker_a, to_user=colleague_a, reason="Congé")
    assert Request.objects.get(pk=absence["request"].pk).assigned_to == worker_a and not BulkJob.objects.exists()


def test_handover_refuses_bad_input_in_french(absence, manager_a, worker_a, worker_b):
    for to_user, reason, message in [
        (worker_b, "Congé", "Cet agent ne fait pas partie de vos équipes."),
        (worker_a, "Congé", "Choisissez un autre agent."),
        (manager_a, "  ", "Indiquez le motif"),
    ]:
        with pytest.raises(ValidationError) as error:
            handover.handover_start(actor=manager_a, absent=worker_a, to_user=to_user, reason=reason)
        assert any(message in m for m in error.value.messages)
    assert Task.objects.get(pk=absence["task"].pk).assignee == worker_a and not BulkJob.objects.exists()


def test_handover_page_confirms_then_the_job_page_shows_a_line_per_thing(
    client, absence, manager_a, worker_a, colleague_a, django_capture_on_commit_callbacks
):
    client = verify_otp(client, manager_a)
    url = reverse("backoffice:work_handover")
    data = {"absent": worker_a.pk, "to_user": colleague_a.pk, "reason": "Congé maladie"}
    preview = client.post(url, data).content.decode()
    assert "Confirmer la reprise" in preview and "1 demande" in preview
    assert Request.objects.get(pk=absence["request"].pk).assigned_to == worker_a  # nothing moved yet
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(url, {**data, "confirm": "1"})
    job = BulkJob.objects.get()
    assert started.status_code == 302 and started.url == reverse("backoffice:bulk_job", args=[job.pk])
    done = client.get(started.url).content.decode()
    assert "Reprise du travail d&#x27;un agent absent" in done and "4 sur 4" in done
    assert absence["request"].tracking_code in done and absence["letter"].registration_number in done
    assert Request.objects.get(pk=absence["request"].pk).assigned_to == colleague_a
    # The lines (file numbers) are the manager's: a team member who may open the team's jobs gets a 404.
    assert verify_otp(type(client)(), colleague_a).get(started.url).status_code == 404
    blank = client.post(url, {**data, "reason": " ", "confirm": "1"})
    assert blank.status_code == 422 and BulkJob.objects.count() == 1


def test_handover_page_is_a_404_for_an_agent_without_a_team_to_manage(client, worker_a):
    assert verify_otp(client, worker_a).get(reverse("backoffice:work_handover")).status_code == 404
