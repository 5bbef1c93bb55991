"""The lieux map in a real headless Chromium: Leaflet draws the boundaries and the clustered markers from
the API, the list (the accessible equivalent) is on the page, markers and clusters are keyboard buttons,
and axe-core finds no serious or critical violation."""

from pathlib import Path

import pytest
from django.conf import settings
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import FLUSHABLE_APPS
from tests.mednum.factories import LieuFactory

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}
SETTLED = """
const map = document.querySelector('[data-map]').leafletMap;
if (map._animatingZoom || document.querySelector('.leaflet-cluster-anim, .leaflet-zoom-anim')) return false;
return Array.from(document.querySelectorAll('.marker-cluster, .map-marker'))
  .every(e => e.isConnected && getComputedStyle(e).opacity === '1');
"""


def _axe(browser) -> list[dict]:
    browser.execute_script(AXE.read_text())
    browser.set_script_timeout(60)
    result = browser.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        axe.run(document, {resultTypes: ["violations"], runOnly: {type: "tag",
            values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]}})
          .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}))))
          .catch(e => done([{id: "axe-error", impact: "critical", help: String(e), nodes: []}]));
        """
    )
    return [v for v in result if v["impact"] in BLOCKING]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, available_apps=FLUSHABLE_APPS)
def test_lieux_map_draws_clusters_boundaries_and_keeps_its_list(live_server, browser):
    for n in range(30):  # close together in Rennes: they cluster at the Département's zoom
        LieuFactory(nom=f"Point numérique rennais {n:02d}", latitude=48.11 + n * 0.001, longitude=-1.68)
    LieuFactory(nom="France Services de Saint-Malo", commune_id="35288", latitude=48.6493, longitude=-2.0257)
    browser.get(f"{live_server.url}/lieux/")
    WebDriverWait(browser, 30).until(
        lambda d: d.find_element(By.CSS_SELECTOR, "[data-map]").get_attribute("data-map-ready")
    )
    assert browser.find_element(By.CSS_SELECTOR, "[data-map]").get_attribute("data-map-ready") == "31"
    assert browser.find_element(By.CSS_SELECTOR, ".map-status").text == "31 lieux sur la carte."
    WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "path.map-boundary"))
    assert len(browser.find_elements(By.CSS_SELECTOR, "path.map-boundary")) == 18  # the EPCI
    clusters = browser.find_elements(By.CSS_SELECTOR, ".marker-cluster")
    assert clusters, "the 30 Rennes places should be clustered"
    counts = [int(c.find_element(By.CSS_SELECTOR, "span[aria-hidden]").text) for c in clusters]
    assert sum(counts) + len(browser.find_elements(By.CSS_SELECTOR, ".map-marker")) == 31
    assert clusters[0].get_attribute("role") == "button" and clusters[0].get_attribute("tabindex") == "0"
    # The list, the map's accessible equivalent, names every place (first page of 50).
    assert len(browser.find_elements(By.CSS_SELECTOR, ".lieux-list .lieu-item")) == 31

    # Keyboard: Enter on a cluster zooms in (more, smaller groups or single markers appear).
    biggest = clusters[counts.index(max(counts))]
    zoom = browser.execute_script("return document.querySelector('[data-map]').leafletMap.getZoom()")
    biggest.send_keys(Keys.ENTER)
    WebDriverWait(browser, 10).until(
        lambda d: d.execute_script("return document.querySelector('[data-map]').leafletMap.getZoom()") > zoom
    )
    # The cluster plugin fades the old groups out and the new ones in after the zoom: axe must read the
    # settled map, not an icon half-transparent or already detached (it did once on CI).
    WebDriverWait(browser, 10).until(lambda d: d.execute_script(SETTLED))
    violations = _axe(browser)
    assert not violations, violations
