"""A real browser at the counter: an agent records a digital-help session with the keyboard only (arrows in a
group of radios, space to tick, Enter to record), finds a citizen without losing the ticks, and the page
has no serious or critical accessibility violation (axe-core from npm), with and without errors."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from accueil.models import HelpSession
from grc.models import Membership
from tests.browser.conftest import FLUSHABLE_APPS, log_in, page_turn
from tests.browser.test_portal_a11y import _axe
from tests.factories import CitizenFactory, MembershipFactory, SiteFactory, TeamFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, available_apps=FLUSHABLE_APPS)
def test_agent_records_a_session_with_the_keyboard(live_server, browser):
    site = SiteFactory(name="CDAS Vitré", is_numerique_pilot=True)
    agent = MembershipFactory(team=TeamFactory(site=site), role=Membership.Role.SOCIAL_WORKER).user
    person = CitizenFactory(birth_name="Quéré", first_names="Gwendoline")
    wait = WebDriverWait(browser, 10)
    log_in(browser, live_server, agent)
    page_turn(browser, wait.until(EC.element_to_be_clickable((By.LINK_TEXT, "Enregistrer une séance d'aide"))).click)
    wait.until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Aide aux démarches en ligne"))
    assert _axe(browser) == []

    # Nothing ticked, Enter: French errors, accessible too.
    page_turn(browser, lambda: browser.find_element(By.ID, "id_orientation").send_keys(Keys.ENTER))
    summary = wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".error-summary")))
    assert "Cochez au moins une démarche." in summary.text
    assert _axe(browser) == []

    # Keyboard only: the first level, then the arrow moves to the second (accompagnement); space ticks CAF.
    browser.find_element(By.ID, "id_level_0").send_keys(Keys.SPACE)
    browser.switch_to.active_element.send_keys(Keys.ARROW_DOWN)
    browser.find_element(By.ID, "id_procedures_0").send_keys(Keys.SPACE)
    # Search the citizen: Enter in the search field searches, the ticks stay.
    search = browser.find_element(By.ID, "id_q")
    search.send_keys("quere gwendoline")
    page_turn(browser, lambda: search.send_keys(Keys.ENTER))
    hit = wait.until(EC.presence_of_element_located((By.XPATH, "//label[contains(., 'QUÉRÉ Gwendoline')]")))
    assert browser.find_element(By.ID, "id_procedures_0").is_selected()
    assert browser.find_element(By.ID, "id_level_1").is_selected()
    browser.find_element(By.ID, hit.get_attribute("for")).send_keys(Keys.SPACE)
    page_turn(browser, lambda: browser.switch_to.active_element.send_keys(Keys.ENTER))
    wait.until(EC.text_to_be_present_in_element((By.TAG_NAME, "main"), "Séance enregistrée."))
    session = HelpSession.objects.get()
    assert (session.level, session.procedures, session.citizen_id) == ("accompagnement", ["caf"], person.pk)
    assert _axe(browser) == []
