"""A real browser through login, second factor, search with a typo and the citizen page."""

import datetime

import pytest
from django.apps import apps
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from grc.services.otp import otp_backup_codes_create
from tests.factories import AddressFactory, CitizenFactory, MembershipFactory

# live_server needs a transactional database, flushed after the test; the access log refuses
# TRUNCATE by design, so it stays out of the flushed apps.
FLUSHABLE_APPS = [config.name for config in apps.get_app_configs() if config.label != "audit"]


@pytest.fixture
def browser(tmp_path):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path / 'chromium'}",
        "--window-size=1280,1024",
        "--lang=fr-FR",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.implicitly_wait(5)
    yield driver
    driver.quit()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, available_apps=FLUSHABLE_APPS)
def test_staff_finds_a_citizen_by_a_misspelled_name_and_opens_the_page(live_server, browser):
    user = MembershipFactory().user
    codes = otp_backup_codes_create(user=user)
    citizen = CitizenFactory(birth_name="Guillou", first_names="Morgane", birth_date=datetime.date(1988, 4, 21))
    AddressFactory(citizen=citizen, city="Redon", postcode="35600")
    CitizenFactory(birth_name="Pichon", first_names="Alain")
    wait = WebDriverWait(browser, 10)

    browser.get(f"{live_server.url}/connexion/")
    browser.find_element(By.ID, "id_username").send_keys(user.email)
    browser.find_element(By.ID, "id_password").send_keys("motdepasse-solide-42")
    browser.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()

    wait.until(EC.presence_of_element_located((By.ID, "id_token"))).send_keys(codes[0])
    browser.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()
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
