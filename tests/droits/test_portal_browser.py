"""« Estimer mes droits » in a real headless Chromium, with the keyboard only (focus, typing, Space, Enter): the
five steps, an error on the way, the estimate; axe-core finds no serious or critical violation on any page."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.browser.conftest import FLUSHABLE_APPS, browser, page_turn  # noqa: F401  (the fixture)
from tests.browser.test_portal_a11y import _axe
from tests.droits.test_portal_estimate import ensure_communes


def _field(driver, field_id):
    return driver.find_element(By.ID, field_id)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, available_apps=FLUSHABLE_APPS)
def test_questionnaire_with_the_keyboard_only_and_axe(live_server, browser):  # noqa: F811
    ensure_communes()
    violations = {}
    browser.get(f"{live_server.url}/estimer-mes-droits/")
    violations["accueil"] = _axe(browser)
    page_turn(browser, lambda: browser.find_element(By.LINK_TEXT, "Commencer").send_keys(Keys.ENTER))

    violations["foyer"] = _axe(browser)
    _field(browser, "id_couple_0").send_keys(Keys.SPACE)  # « seul(e) »
    age = _field(browser, "id_age")
    age.send_keys("40")
    page_turn(browser, lambda: age.send_keys(Keys.ENTER))

    violations["situation"] = _axe(browser)
    _field(browser, "id_demandeur_activite").send_keys("Sans")
    page_turn(browser, lambda: _field(browser, "id_demandeur_taux").send_keys(Keys.ENTER))

    salary = _field(browser, "id_demandeur_salaire")
    salary.send_keys("-5")
    page_turn(browser, lambda: salary.send_keys(Keys.ENTER))
    assert "Un montant ne peut pas être négatif." in browser.find_element(By.TAG_NAME, "main").text
    violations["ressources (erreur)"] = _axe(browser)
    salary = _field(browser, "id_demandeur_salaire")
    salary.send_keys(Keys.BACK_SPACE * 2)
    page_turn(browser, lambda: salary.send_keys(Keys.ENTER))

    violations["logement"] = _axe(browser)
    _field(browser, "id_statut_0").send_keys(Keys.SPACE)  # « Locataire »
    _field(browser, "id_commune").send_keys("Rennes")
    rent = _field(browser, "id_loyer")
    rent.send_keys("450")
    page_turn(browser, lambda: rent.send_keys(Keys.ENTER))

    violations["aides perçues"] = _axe(browser)
    submit = browser.find_element(By.XPATH, '//button[normalize-space()="Voir l\'estimation"]')
    page_turn(browser, lambda: submit.send_keys(Keys.ENTER), timeout=120)

    main = browser.find_element(By.TAG_NAME, "main").text
    assert browser.current_url.endswith("/resultat/"), main[:500]
    assert "Revenu de solidarité active (RSA)" in main and "pas de droit estimé" in main
    assert "Se faire aider près de chez vous" in main
    violations["résultat"] = _axe(browser)
    assert not any(violations.values()), violations
