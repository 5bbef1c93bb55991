"""A real browser at the counter: an agent records a digital-help session with the keyboard only (arrows in a
group of radios, space to tick, Enter to record), finds a citizen without losing the ticks, and the page
has no serious or critical accessibility violation (axe-core from npm), with and without errors; then orients a
person to a place of the map and corrects the session."""

import pytest
from django.urls import reverse
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from accueil.models import HelpSession
from grc.models import Commune, Membership
from tests.browser.conftest import FLUSHABLE_APPS, log_in, page_turn
from tests.browser.test_portal_a11y import _axe
from tests.factories import CitizenFactory, MembershipFactory, SiteFactory, TeamFactory
from tests.mednum.factories import LieuFactory


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


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, available_apps=FLUSHABLE_APPS)
def test_agent_orients_to_a_place_of_the_map_then_corrects_the_session(live_server, browser):
    """The orientation to a place of the map (nearest to the CDAS first), then the author's correction screen:
    what was recorded comes back ticked, a bad correction is told in French and changes nothing, a good one is
    what the agent then sees on the day's list and on the person's sessions."""
    Commune.objects.filter(code="35360").update(latitude=48.1236, longitude=-1.2094)
    site = SiteFactory(name="CDAS Vitré", is_numerique_pilot=True, commune_id="35360")
    agent = MembershipFactory(team=TeamFactory(site=site), role=Membership.Role.SOCIAL_WORKER).user
    person = CitizenFactory(birth_name="Quéré", first_names="Gwendoline")
    near = LieuFactory(nom="Espace France Services Vitré", commune_id="35360", latitude=48.124, longitude=-1.21)
    far = LieuFactory(nom="Médiathèque des Champs Libres")  # Rennes, 35 km away
    wait = WebDriverWait(browser, 10)
    log_in(browser, live_server, agent)
    record_url = reverse("backoffice:help_session_record", args=[site.pk])
    browser.get(f"{live_server.url}{record_url}?usager={person.pk}")
    wait.until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Aide aux démarches en ligne"))
    places = Select(browser.find_element(By.ID, "id_orientation_place"))
    assert [o.text.split(" (")[0] for o in places.options[1:3]] == [near.nom, far.nom]  # nearest first
    browser.find_element(By.CSS_SELECTOR, "label[for=id_level_1]").click()  # accompagnement
    browser.find_element(By.CSS_SELECTOR, "label[for=id_procedures_0]").click()  # CAF
    browser.find_element(By.XPATH, "//label[contains(., 'Orienté vers un autre lieu')]").click()
    places.select_by_value(str(near.pk))
    page_turn(browser, browser.find_element(By.CSS_SELECTOR, "button[value=record]").click)
    wait.until(EC.text_to_be_present_in_element((By.TAG_NAME, "main"), "Séance enregistrée."))
    session = HelpSession.objects.get()
    assert (session.orientation_place_id, session.citizen_id, session.level) == (near.pk, person.pk, "accompagnement")

    # The correction screen, from the day's list: what was recorded comes back chosen.
    page_turn(browser, browser.find_element(By.LINK_TEXT, "Corriger").click)
    wait.until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Corriger une séance d'aide"))
    places = Select(browser.find_element(By.ID, "id_orientation_place"))
    assert places.first_selected_option.get_attribute("value") == str(near.pk)
    assert browser.find_element(By.ID, "id_level_1").is_selected()
    assert _axe(browser) == []
    # A bad correction (no procedure left): told in French, accessible, nothing changed.
    browser.find_element(By.CSS_SELECTOR, "label[for=id_procedures_0]").click()
    page_turn(browser, browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click)
    summary = wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".error-summary")))
    assert "Cochez au moins une démarche." in summary.text
    assert _axe(browser) == []
    assert HelpSession.objects.get().procedures == ["caf"]
    # The good one: faire avec, CAF and impôts, oriented to the other place.
    browser.find_element(By.CSS_SELECTOR, "label[for=id_level_2]").click()
    for value in ("caf", "impots"):
        box = browser.find_element(By.CSS_SELECTOR, f"input[name=procedures][value={value}]")
        if not box.is_selected():
            browser.find_element(By.CSS_SELECTOR, f"label[for={box.get_attribute('id')}]").click()
    Select(browser.find_element(By.ID, "id_orientation_place")).select_by_value(str(far.pk))
    page_turn(browser, browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click)
    main = wait.until(EC.presence_of_element_located((By.TAG_NAME, "main")))
    wait.until(EC.text_to_be_present_in_element((By.TAG_NAME, "main"), "Séance corrigée."))
    today = browser.find_element(By.CSS_SELECTOR, "section[aria-labelledby=help-today] tbody").text
    assert "Faire avec" in today and "CAF, Impôts" in today and "Accompagnement" not in today
    assert main.find_elements(By.LINK_TEXT, "Corriger")  # still within the 24 hours

    # The person's sessions: the place corrected, marked corrected; the read is accessible.
    browser.get(live_server.url + reverse("backoffice:help_sessions_citizen", args=[person.pk]))
    row = wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "main table tbody tr"))).text
    assert far.nom in row and near.nom not in row and "(corrigée)" in row and "Faire avec" in row
    assert _axe(browser) == []
    session.refresh_from_db()
    corrected = (session.level, session.procedures, session.orientation_place_id)
    assert corrected == ("faire_avec", ["caf", "impots"], far.pk)
