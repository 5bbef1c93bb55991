"""The outside world's view: the open-data API through a live server with a real HTTP client, the portal's
public page, and the observatory page in a real headless Chromium with axe-core (no serious/critical issue)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from django.conf import settings
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from grc.models import Commune, Membership, Team
from observatoire.refresh import refresh
from tests.browser.conftest import FLUSHABLE_APPS, log_in
from tests.factories import MembershipFactory, SiteFactory, TeamFactory, UserFactory
from tests.mednum.factories import LieuFactory

from .factories import RENNES, SAINT_MALO, VITRE, citizen_in, help_row, in_month, request_row

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
live = pytest.mark.django_db(transaction=True, available_apps=FLUSHABLE_APPS)


def _last_month_data():
    """Last month (published): 8 "RSA" requests, 3 "PMI" (secret); 6 coup de pouce in Rennes Métropole, 2 in
    Saint-Malo (secret)."""
    site = SiteFactory()
    team = TeamFactory(site=site, kind=Team.Kind.RSA)
    for title, n in (("RSA", 8), ("PMI", 3)):
        for _ in range(n):
            request_row(team=team, citizen=citizen_in(RENNES), submitted=in_month(-1), title=title)
    agent = UserFactory(staff=True)
    for commune, n in ((RENNES, 6), (SAINT_MALO, 2), (VITRE, 0)):
        for _ in range(n):
            help_row(site=site, agent=agent, held=in_month(-1), commune=commune)
    refresh()


@live
def test_opendata_api_is_public_json_with_the_secrecy_rule(live_server):
    _last_month_data()
    response = httpx.get(f"{live_server.url}/api/v1/opendata/indicators", timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["licence"].startswith("Licence Ouverte")
    figures = {row["procedure"]: row for row in body["requests_per_procedure_month"]}
    assert figures["RSA"]["count"] == 8 and not figures["RSA"]["secret"]
    assert figures["PMI"] == {**figures["PMI"], "count": None, "secret": True, "display": "< 5"}
    sessions = {row["epci_code"]: row for row in body["help_sessions_per_level_epci_month"]}
    assert sessions["243500139"]["count"] == 6 and sessions["243500139"]["level_label"] == "Coup de pouce"
    assert sessions["243500782"]["count"] is None
    assert "3" not in [str(row["count"]) for row in body["requests_per_procedure_month"]]
    keys = {
        key for row in body["requests_per_procedure_month"] + body["help_sessions_per_level_epci_month"] for key in row
    }
    assert not keys & {"total", "citizen", "citizen_id", "agent", "agent_id"}


@live
def test_opendata_places_per_epci_follow_the_map_not_the_refresh(live_server):
    """Places are public establishments: published as counted (1 is shown), and a new place counts at once."""
    url = f"{live_server.url}/api/v1/opendata/indicators"
    vitre = Commune.objects.get(code=VITRE)
    LieuFactory(commune=vitre, latitude=None, longitude=None)  # at the commune's centre
    LieuFactory(commune=vitre, latitude=None, longitude=None, published=False)  # withdrawn: not counted
    places = {row["epci_code"]: row for row in httpx.get(url, timeout=30).json()["places_per_epci"]}
    row = places[vitre.epci_id]
    population = sum(Commune.objects.filter(epci_id=vitre.epci_id).values_list("population", flat=True))
    assert (row["places"], row["population"]) == (1, population)
    assert row["places_per_10000"] == round(10_000 / population, 2)
    assert row["mean_distance_km"] > 0 and row["max_distance_km"] >= row["mean_distance_km"]
    assert places["243500139"]["places"] == 0  # Rennes Métropole: none yet
    LieuFactory()  # in Rennes
    places = {row["epci_code"]: row for row in httpx.get(url, timeout=30).json()["places_per_epci"]}
    assert places["243500139"]["places"] == 1 and places[vitre.epci_id]["places"] == 1


@live
def test_opendata_api_is_cached_until_the_next_refresh(live_server):
    _last_month_data()
    url = f"{live_server.url}/api/v1/opendata/indicators"
    first = httpx.get(url, timeout=30).json()
    request_row(team=TeamFactory(), citizen=None, submitted=in_month(-1), title="RSA")
    assert httpx.get(url, timeout=30).json() == first  # cached: the live tables are not read per call
    refresh()
    figures = {r["procedure"]: r["count"] for r in httpx.get(url, timeout=30).json()["requests_per_procedure_month"]}
    assert figures["RSA"] == 9


@live
def test_opendata_portal_page_is_public(live_server):
    _last_month_data()
    response = httpx.get(f"{live_server.url}/observatoire/", timeout=30)
    assert response.status_code == 200
    assert "Licence Ouverte" in response.text and "&lt; 5" in response.text


def _axe(driver) -> list[dict]:
    driver.execute_script(AXE.read_text())
    driver.set_script_timeout(60)
    result = driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        axe.run(document, {resultTypes: ["violations"], runOnly: {type: "tag",
            values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]}})
          .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}))))
          .catch(e => done([{id: "axe-error", impact: "critical", help: String(e), nodes: []}]));
        """
    )
    return [v for v in result if v["impact"] in {"serious", "critical"}]


@pytest.mark.browser
@live
def test_observatory_page_in_a_browser_charts_drawn_and_no_serious_accessibility_issue(live_server, browser):
    _last_month_data()
    manager = MembershipFactory(role=Membership.Role.TEAM_MANAGER).user
    log_in(browser, live_server, manager)
    browser.get(f"{live_server.url}/backoffice/observatoire/?carte=aides&niveau=epci")
    WebDriverWait(browser, 20).until(EC.presence_of_element_located((By.ID, "titre-carte")))
    # Chart.js (static file, strict CSP) drew the charts: a canvas with a 2D context holding pixels.
    WebDriverWait(browser, 20).until(
        lambda driver: driver.execute_script("return window.Chart && Object.keys(Chart.instances).length > 0")
    )
    assert browser.find_elements(By.CSS_SELECTOR, "svg[role=img] path")
    assert _axe(browser) == []
    browser.get(f"{live_server.url}/observatoire/")
    assert _axe(browser) == []
