"""A real browser: the header search box with its shortcut, instant results, the results page, a result."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from grc.audit.models import AccessLog
from tests.browser import conftest as browser_conftest
from tests.browser.conftest import FLUSHABLE_APPS, log_in
from tests.dossier_unique.factories import open_file
from tests.factories import CitizenFactory, MembershipFactory, TeamFactory

# the shared headless Chromium fixture of tests/browser, under its usual name
browser = browser_conftest.browser


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, available_apps=FLUSHABLE_APPS)
def test_slash_focuses_the_box_instant_results_then_the_page_and_a_result(live_server, browser, settings):
    settings.SEARCH_BACKEND = "postgresql"
    team = TeamFactory(name="PMI — CDAS Vitré")
    worker = MembershipFactory(team=team).user
    citizen = CitizenFactory(birth_name="Rolland", first_names="Camille")  # indexed after commit (signals)
    open_file(citizen=citizen, team=team, actor=worker, referent=worker)
    wait = WebDriverWait(browser, 10)

    log_in(browser, live_server, worker)
    wait.until(EC.presence_of_element_located((By.ID, "header-q")))
    browser.find_element(By.TAG_NAME, "body").send_keys("/")
    box = browser.switch_to.active_element
    assert box.get_attribute("id") == "header-q"
    box.send_keys("rolan camile")  # two typos
    wait.until(EC.text_to_be_present_in_element((By.ID, "header-search-results"), "ROLLAND Camille"))
    # the group headings are styled upper-case (text-transform): compare without case
    assert "dossiers sociaux" in browser.find_element(By.ID, "header-search-results").text.lower()

    box.send_keys(Keys.ENTER)  # without htmx: the results page, by POST
    wait.until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Recherche"))
    assert "rolan" not in browser.current_url.lower()
    main = browser.find_element(By.TAG_NAME, "main").text.lower()
    assert "usagers" in main and "dossiers sociaux" in main

    browser.find_element(By.CSS_SELECTOR, "#group-citizen + ul a").click()
    wait.until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "ROLLAND"))
    assert AccessLog.objects.filter(action=AccessLog.Action.SEARCH_RESULT_OPEN, citizen_id=citizen.pk).exists()
    assert AccessLog.objects.filter(action=AccessLog.Action.SEARCH_QUERY, actor=worker).exists()
