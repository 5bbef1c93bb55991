"""The refresh: hand-counted fixtures, every source, and survival of the figures after retention and erasure."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import DataError

from demandes.models import Request
from grc import scheduling
from grc.models import Commune, Team
from observatoire import refresh as refresh_module
from observatoire.models import (
    AppointmentFact,
    FrozenMonth,
    Grain,
    HelpProcedureFact,
    HelpSessionFact,
    MailFact,
    RefreshRun,
    RequestDelayFact,
    RequestFact,
)
from observatoire.refresh import open_cutoff, refresh
from observatoire.tasks import refresh_observatory
from tests.factories import SiteFactory, TeamFactory, UserFactory
from tests.rendezvous.factories import LieuFactory, MotifFactory

from .factories import (
    RENNES,
    SAINT_MALO,
    citizen_in,
    help_row,
    in_month,
    mail_row,
    month_start,
    participant_row,
    request_row,
)

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def world():
    site = SiteFactory()
    return {
        "site": site,
        "rsa": TeamFactory(site=site, kind=Team.Kind.RSA),
        "pmi": TeamFactory(site=site, kind=Team.Kind.PMI),
        "rennes": [citizen_in(RENNES) for _ in range(3)],
        "malo": citizen_in(SAINT_MALO),
        "outsider": citizen_in("75056"),  # Paris: not a commune of the Département -> unknown commune
    }


def _rows(model, *fields):
    # None (unknown commune, no site) sorts first.
    return sorted(
        model.objects.filter(grain=Grain.DETAIL).values_list(*fields),
        key=lambda row: [(v is not None, v) for v in row],
    )


def test_requests_counted_by_month_commune_site_programme_procedure_channel(world):
    site, rsa, pmi = world["site"], world["rsa"], world["pmi"]
    now = in_month(0)
    for citizen in world["rennes"]:
        request_row(team=rsa, citizen=citizen, submitted=now)
    request_row(team=rsa, citizen=world["rennes"][0], submitted=now)  # the same person twice: two requests
    request_row(team=pmi, citizen=world["malo"], channel="counter", submitted=now, title="Bilan PMI")
    request_row(team=rsa, citizen=world["outsider"], channel="mail", submitted=in_month(-1))
    request_row(team=rsa, citizen=None, channel="mail", submitted=in_month(-1))
    Request.objects.create(tracking_code="D-OBS-DRAFT", procedure_title="RSA", team=rsa, status="draft")

    run = refresh()

    assert run.status == RefreshRun.Status.DONE
    m0, m1 = month_start(0), month_start(-1)
    assert _rows(RequestFact, "month", "commune_id", "site_id", "programme", "procedure", "channel", "count") == [
        (m1, None, site.pk, "rsa", "RSA", "mail", 2),
        (m0, RENNES, site.pk, "rsa", "RSA", "web", 4),
        (m0, SAINT_MALO, site.pk, "pmi", "Bilan PMI", "counter", 1),
    ]


def test_processing_time_histogram_by_decision_month(world):
    rsa = world["rsa"]
    filed = in_month(-1, day=2)
    for days in (2, 4, 4, 30):
        request_row(team=rsa, citizen=world["rennes"][0], submitted=filed, decided=filed + days * DAY)
    request_row(team=rsa, citizen=world["rennes"][1], submitted=filed)  # not decided: no delay

    refresh()

    decided_month_of = {d: (filed + d * DAY).date().replace(day=1) for d in (2, 4, 30)}
    assert _rows(RequestDelayFact, "month", "days", "count") == sorted(
        [(decided_month_of[2], 2, 1), (decided_month_of[4], 4, 2), (decided_month_of[30], 30, 1)]
    )


def test_mail_received_and_routed_by_their_own_months(world):
    pmi = world["pmi"]
    mail_row(team=pmi, citizen=world["malo"], received=in_month(-1, day=28), routed=in_month(0))
    mail_row(citizen=None, received=in_month(0))
    mail_row(citizen=None, received=in_month(0))

    refresh()

    m0, m1 = month_start(0), month_start(-1)
    assert _rows(MailFact, "month", "event", "programme", "commune_id", "count") == [
        (m1, "received", "pmi", SAINT_MALO, 1),
        (m0, "received", "", None, 2),
        (m0, "routed", "pmi", SAINT_MALO, 1),
    ]


def test_appointments_by_participant_status_and_lieu_site(world):
    lieu_site = SiteFactory()
    motif, lieu = MotifFactory(team=world["rsa"]), LieuFactory(site=lieu_site)
    statuses = ["vu", "vu", "absent", "excuse"]
    for citizen, status in zip(world["rennes"] + [world["malo"]], statuses, strict=True):
        participant_row(motif=motif, lieu=lieu, citizen=citizen, starts=in_month(-1), status=status)

    refresh()

    m1 = month_start(-1)
    assert _rows(AppointmentFact, "month", "site_id", "programme", "status", "commune_id", "count") == [
        (m1, lieu_site.pk, "rsa", "absent", RENNES, 1),
        (m1, lieu_site.pk, "rsa", "excuse", SAINT_MALO, 1),
        (m1, lieu_site.pk, "rsa", "vu", RENNES, 2),
    ]


def test_help_sessions_by_level_and_each_procedure(world):
    site, agent = world["site"], UserFactory(staff=True)
    help_row(site=site, agent=agent, held=in_month(0), commune=RENNES, procedures=["caf", "ants"], minutes=20)
    help_row(site=site, agent=agent, held=in_month(0), commune=RENNES, procedures=["caf"], minutes=10)
    help_row(site=site, agent=agent, held=in_month(0), commune=RENNES, procedures=["caf"])  # no duration given
    help_row(site=site, agent=agent, held=in_month(0), level="substitution", procedures=["impots"])

    refresh()

    m0 = month_start(0)
    # ``timed``: the sessions whose duration is known (the mean is 30 min over 2, not over 3).
    assert _rows(HelpSessionFact, "month", "commune_id", "level", "count", "timed", "minutes") == [
        (m0, None, "substitution", 1, 0, 0),
        (m0, RENNES, "coup_de_pouce", 3, 2, 30),
    ]
    assert _rows(HelpProcedureFact, "procedure", "level", "count") == [
        ("ants", "coup_de_pouce", 1),
        ("caf", "coup_de_pouce", 3),
        ("impots", "substitution", 1),
    ]


def test_every_coarse_grain_adds_up_to_the_detail_and_the_epci_grain_by_the_communes_epci(world):
    """Requests in Rennes and Saint-Malo (two EPCI), by a person living outside the Département and anonymous,
    and help sessions: each coarse grain holds the detail's totals; the EPCI grain sums each EPCI's communes and
    keeps the unknown commune as an unknown EPCI, with neither commune nor site."""
    rsa, agent = world["rsa"], UserFactory(staff=True)
    for citizen in [*world["rennes"], world["malo"], world["outsider"], None]:
        request_row(team=rsa, citizen=citizen, submitted=in_month(0), decided=in_month(0, day=9))
    help_row(site=world["site"], agent=agent, held=in_month(0), commune=SAINT_MALO, minutes=15)
    help_row(site=world["site"], agent=agent, held=in_month(0), commune=SAINT_MALO)
    refresh()
    malo_epci = Commune.objects.get(code=SAINT_MALO).epci_id
    rennes_epci = Commune.objects.get(code=RENNES).epci_id
    for model in (RequestFact, RequestDelayFact, MailFact, AppointmentFact, HelpSessionFact, HelpProcedureFact):
        totals = {grain: sum(model.objects.filter(grain=grain).values_list("count", flat=True)) for grain in Grain}
        detail = totals.pop(Grain.DETAIL)
        coarse = {grain: n for grain, n in totals.items() if model.objects.filter(grain=grain).exists()}
        assert set(coarse.values()) <= {detail}, model
    by_epci = RequestFact.objects.filter(grain=Grain.EPCI).values_list("epci_id", "commune_id", "site_id", "count")
    expected = [(None, None, None, 2), (rennes_epci, None, None, 3), (malo_epci, None, None, 1)]
    assert sorted(by_epci, key=str) == sorted(expected, key=str)
    sessions = HelpSessionFact.objects.filter(grain=Grain.EPCI).values_list("epci_id", "count", "timed", "minutes")
    assert list(sessions) == [(malo_epci, 2, 1, 15)]


def test_refresh_twice_gives_the_same_figures_and_follows_changes(world):
    rsa = world["rsa"]
    first = request_row(team=rsa, citizen=world["rennes"][0], submitted=in_month(0))
    refresh()
    refresh()
    assert RequestFact.objects.get(grain=Grain.DETAIL).count == 1
    first.channel = "counter"
    first.consent_recorded_at = first.submitted_at
    first.save()
    refresh()
    assert _rows(RequestFact, "channel", "count") == [("counter", 1)]


def test_closed_months_are_frozen_and_survive_erasure_and_anonymisation(world):
    rsa, old = world["rsa"], in_month(-5)
    erased = [request_row(team=rsa, citizen=c, submitted=old) for c in world["rennes"]]
    kept_open = request_row(team=rsa, citizen=world["malo"], submitted=in_month(0))
    refresh()
    assert FrozenMonth.objects.filter(month=month_start(-5)).exists()
    assert not FrozenMonth.objects.filter(month__gte=open_cutoff()).exists()

    # Retention unlinks the open-month request from its citizen; erasure removes the old requests entirely.
    Request.objects.filter(pk=kept_open.pk).update(citizen=None)
    Request.objects.filter(pk__in=[r.pk for r in erased]).delete()
    run = refresh()

    assert run.first_month == open_cutoff()
    assert _rows(RequestFact, "month", "commune_id", "count") == [
        (month_start(-5), RENNES, 3),  # frozen: still counted though the rows are gone
        (month_start(0), None, 1),  # open: still counted, commune no longer known
    ]


def test_rebuild_recomputes_frozen_months_from_the_live_rows(world):
    request_row(team=world["rsa"], citizen=world["malo"], submitted=in_month(-6))
    refresh()
    Request.objects.all().delete()
    refresh(rebuild=True)
    assert not RequestFact.objects.exists()


def test_no_personal_data_in_the_fact_tables():
    personal = {"citizen", "agent", "user", "name", "birth", "email", "phone", "nir", "address", "tracking"}
    for model in (RequestFact, RequestDelayFact, MailFact, AppointmentFact, HelpSessionFact, HelpProcedureFact):
        columns = {f.column for f in model._meta.concrete_fields}
        assert not {c for c in columns if any(word in c for word in personal)}, model


def test_command_shows_progress_and_a_summary(world):
    request_row(team=world["rsa"], citizen=world["malo"], submitted=in_month(0))
    out, err = io.StringIO(), io.StringIO()
    call_command("observatoire_refresh", stdout=out, stderr=err)
    assert "aides numériques" in err.getvalue() or "démarches accompagnées" in err.getvalue()  # the progress bar
    assert re.match(r"Observatoire actualisé : \d+ cellules écrites depuis le début en \d+\.\d s\.", out.getvalue())
    assert RequestFact.objects.get(grain=Grain.DETAIL).count == 1


def test_the_scheduler_knows_the_nightly_job():
    job = settings.SCHEDULED_JOBS["observatoire_refresh"]
    assert scheduling._resolve(job["task"]) is refresh_observatory


def test_a_failed_refresh_is_recorded_and_changes_nothing(world, monkeypatch):
    request_row(team=world["rsa"], citizen=world["malo"], submitted=in_month(0))
    refresh()
    monkeypatch.setattr(refresh_module, "STEPS", [*refresh_module.STEPS, ("cassé", lambda: "SELECT 1/0")])
    with pytest.raises(DataError):
        refresh()
    assert RefreshRun.objects.filter(status=RefreshRun.Status.FAILED, error="DataError").exists()
    assert RequestFact.objects.get(grain=Grain.DETAIL).count == 1  # the previous figures, untouched
