"""Export of the requests ticked in a team's queue ("Exporter…" in the bulk menu): only the ticked requests the
agent may read in that queue (another team's code or garbage is left out and counted on the confirmation
page), the chosen columns in CSV or XLSX, formulas neutralised, one access-log row with the row count."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from demandes import services as request_services
from grc.audit.models import AccessLog
from tests.factories import verify_otp
from tests.requests.factories import filed_request, instructor

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(team_a, team_b):
    agent = instructor(team_a)
    hostile, plain, closed, unticked = (filed_request(team=team_a) for _ in range(4))
    hostile.citizen.birth_name, hostile.citizen.first_names = '=HYPERLINK("http://x")', "@SUM(A1)"
    hostile.citizen.save()
    request_services.request_assign(request=plain, user=agent, actor=agent)
    request_services.request_close(request=closed, reason="Doublon", actor=agent)
    other = filed_request(team=team_b)
    return {"agent": agent, "ticked": [hostile, plain, closed], "unticked": unticked, "other": other}


def test_ticked_requests_export_as_csv_and_xlsx_with_only_the_ticked_rows(client, queue, team_a):
    client = verify_otp(client, queue["agent"])
    page = client.get(reverse("backoffice:request_queue", args=[team_a.pk])).content.decode()
    assert '<option value="export">Exporter…</option>' in page
    url = reverse("backoffice:request_bulk", args=[team_a.pk])
    ticked = [r.tracking_code for r in queue["ticked"]]
    codes = [*ticked, queue["other"].tracking_code, "<script>x</script>"]
    confirm = client.post(url, {"codes": codes, "action": "export"})
    text = confirm.content.decode()
    assert confirm.status_code == 200 and "Exporter les demandes cochées" in text and "Colonnes" in text
    assert "3 demandes exportées" in text and "2 numéros cochés ne sont pas dans cette bannette" in text
    assert "<script>x</script>" not in text
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()
    wanted = {"codes": codes, "action": "export", "confirm": "1"}
    answer = client.post(url, {**wanted, "colonnes": ["numero", "usager", "statut"], "format": "csv"})
    assert answer["Content-Type"].startswith("text/csv") and answer["Cache-Control"] == "private, no-store"
    assert answer["Content-Disposition"].startswith(f'attachment; filename="demandes-cochees-equipe-{team_a.pk}-')
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Numéro", "Usager", "Statut"]
    assert sorted(row[0] for row in rows[1:]) == sorted(ticked)  # neither the other team's nor the unticked one
    cells = {row[0]: row for row in rows[1:]}
    assert cells[ticked[0]][1].startswith("'=HYPERLINK")  # a formula-looking name stays text
    assert cells[ticked[2]][2] == "Classée sans suite"
    log = AccessLog.objects.get(action=AccessLog.Action.EXPORT)
    assert (log.actor, log.object_type, log.object_id) == (queue["agent"], "grc.team", str(team_a.pk))
    assert "3 lignes" in log.purpose and "numero, usager, statut" in log.purpose
    sheet = client.post(url, {**wanted, "colonnes": ["numero", "agent"], "format": "xlsx"})
    values = list(load_workbook(io.BytesIO(sheet.content)).active.values)
    assert values[0] == ("Numéro", "Agent chargé") and len(values) == 4
    assert dict(values[1:])[ticked[1]] == queue["agent"].get_full_name()
    assert AccessLog.objects.filter(action=AccessLog.Action.EXPORT).count() == 2


def test_bulk_export_refuses_bad_input_in_french_and_another_team_gets_a_404(client, queue, team_a, worker_b):
    client = verify_otp(client, queue["agent"])
    url = reverse("backoffice:request_bulk", args=[team_a.pk])
    nothing = client.post(url, {"action": "export", "confirm": "1", "colonnes": ["numero"], "format": "csv"})
    assert nothing.status_code == 422 and "Cochez au moins une demande." in nothing.content.decode()
    blank = client.post(url, {"codes": ["", "  "], "action": "export"})
    assert blank.status_code == 422 and "Cochez au moins une demande." in blank.content.decode()
    code = queue["ticked"][0].tracking_code
    no_column = client.post(url, {"codes": [code], "action": "export", "confirm": "1", "format": "csv"})
    assert no_column.status_code == 422 and "Choisissez au moins une colonne." in no_column.content.decode()
    too_many = client.post(url, {"codes": [f"D-{i:06d}" for i in range(501)], "action": "export"})
    assert too_many.status_code == 422 and "Au plus 500 lignes" in too_many.content.decode()
    other = verify_otp(type(client)(), worker_b)
    assert other.post(url, {"codes": [code], "action": "export"}).status_code == 404
    assert other.post(url, {"codes": [code], "action": "export", "confirm": "1", "colonnes": ["numero"],
                            "format": "csv"}).status_code == 404  # fmt: skip
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()


def test_a_ticked_export_costs_a_fixed_number_of_queries(client, queue, team_a, django_assert_max_num_queries):
    many = [filed_request(team=team_a) for _ in range(12)]
    codes = [r.tracking_code for r in [*queue["ticked"], *many]]
    client = verify_otp(client, queue["agent"])
    url = reverse("backoffice:request_bulk", args=[team_a.pk])
    wanted = {"codes": codes, "action": "export", "confirm": "1", "format": "csv"}
    # Session, user, OTP, teams, team, counts, the rows with their citizen, agent and team, two access-log rows
    # (the queue read and the export): the same for 15 rows as for 1, none per row.
    with django_assert_max_num_queries(13):
        answer = client.post(url, {**wanted, "colonnes": ["numero", "usager", "agent", "statut"]})
    assert len(answer.content.decode("utf-8-sig").splitlines()) == 16
