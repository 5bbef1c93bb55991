"""Estimates on the social file with the real OpenFisca engine (loaded once per test process): saved on the
timeline for the agent's team only, the possible non-recours rules, the nightly batch, the per-team list
(permission filtering, access log, query count) and the withdrawal that deletes."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from demandes.models import Request
from dossier_unique import selectors as file_selectors
from dossier_unique.models import Programme, TimelineEntry
from dossier_unique.services import accompaniment_close
from droits import batch, selectors, services
from droits.models import NonRecours, NonRecoursRun, RightsEstimate
from grc.audit.models import AccessLog
from grc.models import Team
from tests.dossier_unique.factories import open_file
from tests.droits.world import a_team, agent_of, person_with_file, record
from tests.factories import TeamFactory, verify_otp

pytestmark = pytest.mark.django_db

PERIOD = "2026-05"


def test_an_estimate_is_saved_on_the_timeline_for_the_agents_team_only(client, team, agent):
    file = person_with_file(team, agent)
    other_team = a_team("PMI — CDAS Vitré (droits)")
    colleague = agent_of(other_team)
    open_file(citizen=file.citizen, team=other_team, actor=colleague, programme=Programme.ASE)
    record(file, agent)
    saved = services.estimate_save(actor=agent, file=file, period=PERIOD)
    assert saved.team == team and saved.period == PERIOD and saved.consent.citizen_id == file.citizen_id
    rsa = next(r for r in saved.results if r["code"] == "rsa")
    assert float(rsa["monthly_amount"]) > 0 and "OpenFisca France" in saved.engine
    entry = TimelineEntry.objects.get(kind=TimelineEntry.Kind.RIGHTS_ESTIMATE)
    assert (entry.visibility, entry.team, entry.author) == ("team", team, agent)
    assert "€" not in entry.title and not any(ch.isdigit() for ch in entry.title.replace("2026", ""))
    # The other team sees the file (grant) but neither the entry nor the estimate.
    assert colleague_sees(colleague, file) == set()
    assert {e.kind for e in file_selectors.timeline_for(user=agent, file=file)} >= {"rights_estimate"}
    assert selectors.estimates_of(user=colleague, file=file) == []
    with pytest.raises(Exception):  # noqa: B017 -- Http404
        selectors.estimate_get(user=colleague, pk=saved.pk)
    assert selectors.estimate_get(user=agent, pk=saved.pk).pk == saved.pk
    # With no resources the complémentaire santé solidaire is free: a right with no money paid, shown as one.
    css = next(r for r in saved.results if r["code"] == "css")
    assert (css["monthly_amount"], css["eligible"]) == ("0.00", True)
    verify_otp(client, agent)
    page = client.get(reverse("backoffice:droits_estimate_detail", args=[saved.pk])).content.decode()
    assert "droit estimé (pas de versement d" in page


def colleague_sees(user, file):
    return {e.kind for e in file_selectors.timeline_for(user=user, file=file) if e.kind == "rights_estimate"}


def test_non_recours_rules_and_the_batch(team, agent, django_capture_on_commit_callbacks):
    """Four single people with no resources (RSA > 0): one listed; one already receives the RSA, one has a
    request to the RSA team, one an open RSA accompaniment. One run of the batch, one simulation."""
    listed, receives, asked, followed = (person_with_file(team, agent) for _ in range(4))
    record(listed, agent)
    record(receives, agent, receives=["rsa"])
    record(asked, agent)
    record(followed, agent)
    rsa_team = TeamFactory(kind=Team.Kind.RSA)
    Request.objects.create(
        tracking_code="D-2026-TEST01",
        procedure_title="RSA",
        citizen=asked.citizen,
        team=rsa_team,
        status="submitted",
        submitted_at=timezone.now(),
    )
    _, rsa_accompaniment = open_file(citizen=followed.citizen, team=team, actor=agent, programme=Programme.RSA)
    seen = []
    run = batch.non_recours_rebuild(chunk_size=3, period=PERIOD, progress=lambda done, total: seen.append(done))
    assert run.status == NonRecoursRun.Status.DONE and run.households_done == 4 and run.households_total == 4
    assert seen == [3, 4]
    rsa_rows = NonRecours.objects.filter(benefit="rsa")
    assert list(rsa_rows.values_list("citizen_id", flat=True)) == [listed.citizen_id]
    assert rsa_rows.get().commune_id == "35238" and rsa_rows.get().monthly_amount > 0
    # Withdrawal removes the person at once; the command rebuilds the rest.
    services.consent_withdraw(actor=agent, file=receives)
    assert not NonRecours.objects.filter(citizen=receives.citizen).exists()
    out = io.StringIO()
    call_command("droits_refresh", "--no-progress", "--period", PERIOD, stdout=out)
    assert "Foyers estimés : 3 sur 3" in out.getvalue() and "foyers/s" in out.getvalue()
    assert set(NonRecours.objects.filter(benefit="rsa").values_list("citizen_id", flat=True)) == {listed.citizen_id}
    # The RSA accompaniment closes: the worker refreshes that person after commit, and they are listed.
    with django_capture_on_commit_callbacks(execute=True):
        accompaniment_close(accompaniment=rsa_accompaniment, reason="fin du contrat", actor=agent)
    assert set(NonRecours.objects.filter(benefit="rsa").values_list("citizen_id", flat=True)) == {
        listed.citizen_id,
        followed.citizen_id,
    }


def test_the_list_filters_by_permission_logs_each_page_and_its_queries_are_pinned(
    client, team, agent, django_assert_max_num_queries
):
    mine = person_with_file(team, agent, first_names="Maëlle", birth_name="Guégan")
    other_team = a_team("RSA — CDAS Redon (droits)")
    stranger = person_with_file(other_team, agent_of(other_team), first_names="Yves", birth_name="Tanguy")
    record(mine, agent)
    record(stranger, agent_of(other_team))
    batch.non_recours_rebuild(period=PERIOD)
    assert NonRecours.objects.filter(citizen=stranger.citizen).exists()
    verify_otp(client, agent)
    url = reverse("backoffice:droits_non_recours")
    before = AccessLog.objects.filter(actor=agent).count()
    with django_assert_max_num_queries(14):
        response = client.get(url, {"prestation": "rsa"})
    text = response.content.decode()
    assert response.status_code == 200
    assert "guégan" in text.lower() and "tanguy" not in text.lower()
    assert reverse("backoffice:droits_file", args=[mine.pk]) in text
    # One row per person shown, with their id: the DPO's "who read this person" finds the list.
    logged = AccessLog.objects.filter(actor=agent).order_by("-seq")
    assert logged.count() == before + 1
    row = logged.first()
    assert (row.action, row.citizen_id, row.object_type) == ("droits.nonrecours", mine.citizen_id, "droits.nonrecours")
    assert row.object_id == str(NonRecours.objects.get(citizen=mine.citizen, benefit="rsa").pk)
    # Opening a person from the list is a logged read of their file.
    client.get(reverse("backoffice:droits_file", args=[mine.pk]))
    assert AccessLog.objects.filter(actor=agent, action="file.view", citizen_id=mine.citizen_id).exists()
    # A commune filter with nobody: an empty page, nothing logged.
    client.get(url, {"commune": "35360"})
    assert AccessLog.objects.filter(actor=agent).count() == before + 2
    mailroom = agent_of(TeamFactory(kind=Team.Kind.MAIL), role="mailroom_agent")
    verify_otp(client, mailroom)
    assert client.get(url).status_code == 404


def test_withdrawal_deletes_estimates_their_entries_and_non_recours(client, team, agent):
    file = person_with_file(team, agent)
    record(file, agent)
    services.estimate_save(actor=agent, file=file, period=PERIOD)
    batch.non_recours_refresh_person(citizen_id=file.citizen_id, period=PERIOD)
    assert NonRecours.objects.filter(citizen=file.citizen).exists()
    verify_otp(client, agent)
    url = reverse("backoffice:droits_consent_withdraw", args=[file.pk])
    confirm = client.get(url).content.decode()
    assert "estimation enregistrée que vous pouvez voir est supprimée" in confirm
    assert client.post(url).status_code == 302
    assert not RightsEstimate.objects.filter(citizen=file.citizen).exists()
    assert not TimelineEntry.objects.filter(kind="rights_estimate", citizen=file.citizen).exists()
    assert not NonRecours.objects.filter(citizen=file.citizen).exists()
    assert client.get(reverse("backoffice:droits_estimate", args=[file.pk])).status_code == 400
