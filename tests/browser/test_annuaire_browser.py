"""The annuaire's search page in a real headless Chromium: the criteria, the list of services nearest first and
the map of their structures (the shared Leaflet include fed by /annuaire/carte.geojson); axe-core finds no serious
or critical violation."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.annuaire.factories import ServiceFactory, StructureFactory, commune
from tests.browser.conftest import FLUSHABLE_APPS, page_turn
from tests.browser.test_lieux_map_browser import _axe


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, available_apps=FLUSHABLE_APPS)
def test_annuaire_search_list_and_map(live_server, browser):
    for code, nom in [("35238", "Épicerie solidaire de Rennes"), ("35051", "Épicerie de Cesson-Sévigné"),
                      ("35288", "Épicerie de Saint-Malo")]:  # fmt: skip
        place = commune(code)
        ServiceFactory(
            structure=StructureFactory(nom=nom, commune=place, latitude=place.latitude, longitude=place.longitude),
            nom=f"Colis — {nom}",
            thematiques=["equipement-et-alimentation--alimentation"],
        )
    browser.get(f"{live_server.url}/annuaire/")
    Select(browser.find_element(By.ID, "id_thematiques")).select_by_value("equipement-et-alimentation")
    Select(browser.find_element(By.ID, "id_commune")).select_by_value("35238")
    Select(browser.find_element(By.ID, "id_rayon")).select_by_value("20")
    page_turn(browser, browser.find_element(By.CSS_SELECTOR, "form.lieux-search button[type=submit]").click)
    items = [item.text for item in browser.find_elements(By.CSS_SELECTOR, ".lieux-list .lieu-item h3")]
    assert items == ["Colis — Épicerie solidaire de Rennes", "Colis — Épicerie de Cesson-Sévigné"]  # not Saint-Malo
    WebDriverWait(browser, 30).until(
        lambda d: d.find_element(By.CSS_SELECTOR, "[data-map]").get_attribute("data-map-ready")
    )
    assert browser.find_element(By.CSS_SELECTOR, "[data-map]").get_attribute("data-map-ready") == "2"
    violations = _axe(browser)
    assert not violations, violations
