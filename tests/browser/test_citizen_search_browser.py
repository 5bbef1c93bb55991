"""A real browser through login, second factor, search with a typo and the citizen page."""

import datetime

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import FLUSHABLE_APPS, log_in
from tests.factories import AddressFactory, CitizenFactory, MembershipFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, available_apps=FLUSHABLE_APPS)
def test_staff_finds_a_citizen_by_a_misspelled_name_and_opens_the_page(live_server, browser):
    user = MembershipFactory().user
    citizen = CitizenFactory(birth_name="Guillou", first_names="Morgane", birth_date=datetime.date(1988, 4, 21))
    AddressFactory(citizen=citizen, city="Redon", postcode="35600")
    CitizenFactory(birth_name="Pichon", first_names="Alain")
    wait = WebDriverWait(browser, 10)

    log_in(browser, live_server, user)
    wait.until(EC.presence_of_element_located((By.ID, "home-q")))

    browser.find_element(By.LINK_TEXT, "Usagers").click()
    browser.find_element(By.ID, "id_q").send_keys("Guilou Morgan")
    browser.find_element(By.CSS_SELECTOR, "main form[role=search] button[type=submit]").click()

    result = wait.until(EC.element_to_be_clickable((By.PARTIAL_LINK_TEXT, "GUILLOU")))
    assert "Pichon".upper() not in browser.page_source
    result.click()

    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "dl.identity")))
    identity = browser.find_element(By.CSS_SELECTOR, "dl.identity").text
    assert "Guillou" in identity
    assert "Morgane" in identity
    assert "21/04/1988" in identity
    assert browser.current_url.endswith(citizen.get_absolute_url())
