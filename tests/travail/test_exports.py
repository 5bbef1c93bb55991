"""Exports of a team's request queue: chosen columns, CSV and XLSX, only the team's requests, formulas
neutralised, each export in the access log with its row count (the DPO console's journal lists them)."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from demandes import services as request_services
from grc.audit import selectors as audit_selectors
from grc.audit.models import AccessLog
from tests.factories import verify_otp
from tests.requests.factories import filed_request, instructor

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(team_a, team_b):
    agent = instructor(team_a)
    hostile = filed_request(team=team_a)
    hostile.citizen.birth_name, hostile.citizen.first_names = '=HYPERLINK("http://x")', "@SUM(A1)"
    hostile.citizen.save()
    plain = filed_request(team=team_a)
    request_services.request_assign(request=plain, user=agent, actor=agent)
    filed_request(team=team_b)
    return {"agent": agent, "hostile": hostile, "plain": plain}


def test_csv_export_has_the_chosen_columns_and_only_the_teams_requests(client, queue, team_a, dpo):
    client = verify_otp(client, queue["agent"])
    url = reverse("backoffice:request_export", args=[team_a.pk])
    answer = client.get(url, {"format": "csv", "colonnes": ["numero", "usager"], "statut": "", "attribution": ""})
    assert answer.status_code == 200 and answer["Content-Disposition"].startswith("attachment;")
    lines = answer.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Numéro;Usager"
    assert len(lines) == 3
    codes = {line.split(";")[0] for line in lines[1:]}
    assert codes == {queue["hostile"].tracking_code, queue["plain"].tracking_code}
    cells = dict(csv.reader(lines[1:], delimiter=";"))
    assert cells[queue["hostile"].tracking_code].startswith("'=HYPERLINK")  # a formula-looking name stays text
    log = AccessLog.objects.get(actor=queue["agent"], action=AccessLog.Action.EXPORT)
    assert log.object_id == str(team_a.pk) and "2 lignes" in log.purpose and "numero, usager" in log.purpose
    # The DPO console's journal reads the log through this selector, filtered on exports.
    page = audit_selectors.access_log_page(
        user=dpo, filters=audit_selectors.LogFilters(action=AccessLog.Action.EXPORT), cursor=""
    )
    assert [row.purpose for row in page.rows] == [log.purpose]


def test_xlsx_export_filtered_on_my_requests(client, queue, team_a):
    client = verify_otp(client, queue["agent"])
    url = reverse("backoffice:request_export", args=[team_a.pk])
    answer = client.get(url, {"format": "xlsx", "colonnes": ["numero", "agent"], "attribution": "me"})
    sheet = load_workbook(io.BytesIO(answer.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Numéro", "Agent chargé")
    assert rows[1:] == [(queue["plain"].tracking_code, queue["agent"].get_full_name())]


def test_export_refuses_no_column_in_french_and_another_team_gets_a_404(client, queue, team_a, worker_b):
    client = verify_otp(client, queue["agent"])
    url = reverse("backoffice:request_export", args=[team_a.pk])
    empty = client.get(url, {"format": "csv"})
    assert empty.status_code == 422 and "Choisissez au moins une colonne." in empty.content.decode()
    other = verify_otp(type(client)(), worker_b)
    assert other.get(url).status_code == 404
    assert other.get(url, {"format": "csv", "colonnes": ["numero"]}).status_code == 404
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()
