"""Bulk actions in a team's mail bannette: tick letters, confirm, the worker gives each to an agent (or back to
nobody) or marks it handled through the mail service, with a result per letter and an undo; an export of the
ticked letters with the columns chosen, access-logged with its row count."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from grc.audit.models import AccessLog
from mail.models import MailEvent, MailItem
from tests.factories import verify_otp
from travail import bulk
from travail.models import BulkJob

pytestmark = pytest.mark.django_db


def letter(team, n, *, status=MailItem.Status.ROUTED, assigned_to=None, citizen=None, uploader=None):
    year = timezone.localdate().year
    return MailItem.objects.create(
        registration_number=f"{year}-C-8{n:05d}", year=year, number=800000 + n, original="x/none.pdf",
        original_name="scan.pdf", content_type="application/pdf", size=1, sha256=f"{n:064d}",
        uploaded_by=uploader or assigned_to, status=status, team=team, assigned_to=assigned_to, citizen=citizen,
    )  # fmt: skip


@pytest.fixture
def bannette(team_a, worker_a, colleague_a, citizen):
    letters = [
        letter(team_a, 1, assigned_to=worker_a, citizen=citizen),
        letter(team_a, 2, uploader=worker_a),
        letter(team_a, 3, status=MailItem.Status.HANDLED, uploader=worker_a),
    ]
    return {"agent": worker_a, "colleague": colleague_a, "letters": letters,
            "numbers": [item.registration_number for item in letters]}  # fmt: skip


def test_bulk_mail_assign_shows_a_result_per_letter_and_can_be_undone(
    client, bannette, team_a, django_capture_on_commit_callbacks
):
    client = verify_otp(client, bannette["agent"])
    page = client.get(reverse("backoffice:mail_team_queue", args=[team_a.pk])).content.decode()
    assert 'name="numbers"' in page and 'form="bulk-form"' in page
    url = reverse("backoffice:mail_bulk", args=[team_a.pk])
    numbers = bannette["numbers"]
    confirm = client.post(url, {"numbers": numbers, "action": "mail_assign"}).content.decode()
    assert "3 courriers sélectionnés" in confirm and not BulkJob.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(url, {"numbers": numbers, "action": "mail_assign",
                                    "assignee": bannette["colleague"].pk, "confirm": "1"})  # fmt: skip
    job = BulkJob.objects.get()
    assert started.url == reverse("backoffice:bulk_job", args=[job.pk])
    assert (job.action, job.status, job.done, job.total) == ("mail_assign", "done", 3, 3)
    assert [row["ok"] for row in job.results] == [True, True, False]
    assert job.results[2]["message"] == "Seul un courrier aiguillé et non traité peut être attribué."
    owners = dict(MailItem.objects.values_list("registration_number", "assigned_to"))
    assert owners[numbers[0]] == owners[numbers[1]] == bannette["colleague"].pk
    assert MailEvent.objects.filter(kind=MailEvent.Kind.ASSIGNED, actor=bannette["agent"]).count() == 2
    result = client.get(started.url).content.decode()
    assert "Attribuer des courriers" in result and "3 sur 3" in result and "refusée" in result
    assert "Annuler cette attribution" in result
    with django_capture_on_commit_callbacks(execute=True):
        undone = client.post(reverse("backoffice:bulk_job_undo", args=[job.pk]))
    undo = BulkJob.objects.get(undo_of=job)
    assert undone.url == reverse("backoffice:bulk_job", args=[undo.pk])
    assert (undo.action, undo.total, [row["ok"] for row in undo.results]) == ("mail_undo_assign", 2, [True, True])
    owners = dict(MailItem.objects.values_list("registration_number", "assigned_to"))
    assert owners[numbers[0]] == bannette["agent"].pk and owners[numbers[1]] is None
    # History keeps each step: created, given to the colleague, given back.
    assert bannette["letters"][1].history.count() == 3
    again = client.post(reverse("backoffice:bulk_job_undo", args=[job.pk]), follow=True).content.decode()
    assert "Cette action en lot a déjà été annulée." in again


def test_bulk_mail_handle_then_export_the_ticked_letters(
    client, bannette, team_a, citizen, django_capture_on_commit_callbacks
):
    client = verify_otp(client, bannette["agent"])
    url = reverse("backoffice:mail_bulk", args=[team_a.pk])
    type(citizen).objects.filter(pk=citizen.pk).update(birth_name="=HYPERLINK(1)", usage_name="")
    form = client.post(url, {"numbers": bannette["numbers"][:2], "action": "export"}).content.decode()
    assert "Colonnes" in form and "Usager" in form
    wanted = {"numbers": bannette["numbers"][:2], "action": "export", "confirm": "1"}
    answer = client.post(url, {**wanted, "colonnes": ["numero", "usager"], "format": "csv"})
    assert answer["Content-Type"].startswith("text/csv") and answer["Cache-Control"] == "private, no-store"
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["N° d'enregistrement", "Usager"] and len(rows) == 3
    assert {row[0] for row in rows[1:]} == set(bannette["numbers"][:2])
    assert sorted(row[1] for row in rows[1:]) == ["", f"'=HYPERLINK(1) {citizen.first_names}"]
    log = AccessLog.objects.filter(action=AccessLog.Action.EXPORT).get()
    assert log.actor == bannette["agent"] and "2 lignes" in log.purpose and "numero, usager" in log.purpose
    sheet = client.post(url, {**wanted, "colonnes": ["numero", "statut"], "format": "xlsx"})
    values = list(load_workbook(io.BytesIO(sheet.content)).active.values)
    assert values[0] == ("N° d'enregistrement", "Statut") and len(values) == 3
    no_column = client.post(url, {**wanted, "format": "csv"})
    assert no_column.status_code == 422 and "Choisissez au moins une colonne." in no_column.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"numbers": bannette["numbers"], "action": "mail_handle", "confirm": "1"})
    job = BulkJob.objects.get(action=bulk.MAIL_HANDLE)
    assert [row["ok"] for row in job.results] == [True, True, False]
    assert set(MailItem.objects.values_list("status", flat=True)) == {MailItem.Status.HANDLED}
    page = client.get(reverse("backoffice:bulk_job", args=[job.pk])).content.decode()
    assert "Marquer des courriers traités" in page and "Annuler cette attribution" not in page


def test_bulk_mail_refuses_bad_input_in_french_and_outsiders_get_404(client, bannette, team_a, worker_b):
    client = verify_otp(client, bannette["agent"])
    url = reverse("backoffice:mail_bulk", args=[team_a.pk])
    nothing = client.post(url, {"action": "mail_assign", "confirm": "1"})
    assert nothing.status_code == 422 and "Cochez au moins un courrier." in nothing.content.decode()
    hostile = client.post(url, {"numbers": ["../../x", "<script>"], "action": "mail_handle", "confirm": "1"})
    assert hostile.status_code == 422 and "Numéro de courrier invalide." in hostile.content.decode()
    assert "<script>" not in hostile.content.decode()
    unknown = client.post(url, {"numbers": bannette["numbers"], "action": "supprimer", "confirm": "1"})
    assert unknown.status_code == 422 and "Action inconnue." in unknown.content.decode()
    too_many = client.post(url, {"numbers": [f"2026-C-{i:06d}" for i in range(501)], "action": "mail_handle",
                                 "confirm": "1"})  # fmt: skip
    assert too_many.status_code == 422 and "Au plus 500 lignes" in too_many.content.decode()
    stranger = client.post(url, {"numbers": bannette["numbers"], "action": "mail_assign", "assignee": 999999,
                                 "confirm": "1"})  # fmt: skip
    assert stranger.status_code == 302  # an unknown agent is "nobody": back to the bannette, said on the confirm page
    assert not BulkJob.objects.exclude(assignee=None).exists()
    other = verify_otp(type(client)(), worker_b)
    assert other.post(url, {"numbers": bannette["numbers"], "action": "mail_handle"}).status_code == 404
    assert other.post(url, {"numbers": bannette["numbers"], "action": "export", "confirm": "1",
                            "colonnes": ["numero"], "format": "csv"}).status_code == 404  # fmt: skip
    job = BulkJob.objects.first()
    assert other.get(reverse("backoffice:bulk_job", args=[job.pk])).status_code == 404
    assert MailItem.objects.get(pk=bannette["letters"][0].pk).assigned_to == bannette["agent"]


def test_a_bulk_mail_job_costs_a_bounded_number_of_queries_per_row(
    bannette, team_a, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    letters = [letter(team_a, 100 + i, uploader=bannette["agent"]) for i in range(30)]
    job = BulkJob.objects.create(actor=bannette["agent"], team=team_a, action=bulk.MAIL_ASSIGN,
                                 assignee=bannette["colleague"], codes=[m.registration_number for m in letters],
                                 total=30)  # fmt: skip
    # Per row: savepoint, lock, team, membership, update, history, event, release (8); per 25 rows a progress
    # update; nothing more per row (the letters and the previous agents are read once).
    with django_assert_max_num_queries(8 * 30 + 14):
        bulk.bulk_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.done == 30 and all(row["ok"] for row in job.results)
