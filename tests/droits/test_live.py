"""The estimate flow through a live server and a real HTTP client (httpx), as an agent's browser does it: log in
through the form (password, backup code), record the consent with the CSRF token of the page, run the estimate
and save it. One transactional world for the whole flow (each such test costs a database flush)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from droits import services
from droits.models import EstimateConsent, RightsEstimate
from tests.api_http.conftest import FLUSHABLE_APPS, browser_session
from tests.droits.world import a_team, agent_of, person_with_file, single

live = pytest.mark.django_db(transaction=True, available_apps=FLUSHABLE_APPS)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _csrf(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF field in the page"
    return match.group(1)


@live
def test_consent_estimate_and_save_over_http(live_server):
    team = a_team()
    agent = agent_of(team, first_name="Anne", last_name="Le Gall")
    file = person_with_file(team, agent, first_names="Erwan", birth_name="Le Bihan")
    services.situation_save(
        actor=agent, file=file, housing_status="locataire", rent_monthly="430", commune_code="35238", members=single()
    )
    rights = reverse("backoffice:droits_file", args=[file.pk])
    with browser_session(live_server.url, agent) as client:
        page = client.get(rights)
        assert page.status_code == 200 and "ni enregistrée sans le consentement de la personne" in page.text
        # Without the CSRF token the consent is refused; with it, recorded.
        assert (
            client.post(reverse("backoffice:droits_consent", args=[file.pk]), data={"method": "oral"}).status_code
            == 403
        )
        recorded = client.post(
            reverse("backoffice:droits_consent", args=[file.pk]),
            data={"method": "oral", "csrfmiddlewaretoken": _csrf(page.text)},
        )
        assert recorded.status_code == 200 and "Consentement enregistré." in recorded.text
        shown = client.get(reverse("backoffice:droits_estimate", args=[file.pk]))
        assert shown.status_code == 200
        assert "Revenu de solidarité active (RSA)" in shown.text and "OpenFisca France" in shown.text
        saved = client.post(
            reverse("backoffice:droits_estimate", args=[file.pk]), data={"csrfmiddlewaretoken": _csrf(shown.text)}
        )
        assert saved.status_code == 200 and "Estimation enregistrée dans le parcours" in saved.text
    assert EstimateConsent.objects.get(citizen=file.citizen).recorded_by == agent
    estimate = RightsEstimate.objects.get(citizen=file.citizen)
    assert estimate.created_by == agent and estimate.team == team
