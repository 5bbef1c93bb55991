"""A real browser through the second factor: its session cookie changes there, and the old one is dead."""

import pytest
from django.conf import settings
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from grc.services.otp import otp_backup_codes_create
from tests.browser.conftest import FLUSHABLE_APPS, page_turn
from tests.factories import MembershipFactory


def _session_id(browser) -> str:
    return browser.get_cookie(settings.SESSION_COOKIE_NAME)["value"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, available_apps=FLUSHABLE_APPS)
def test_the_session_cookie_changes_at_the_second_factor_and_the_old_one_opens_nothing(live_server, browser):
    user = MembershipFactory().user
    code = otp_backup_codes_create(user=user)[0]
    wait = WebDriverWait(browser, 10)
    browser.get(f"{live_server.url}/connexion/")
    browser.find_element(By.ID, "id_username").send_keys(user.email)
    browser.find_element(By.ID, "id_password").send_keys("motdepasse-solide-42")
    browser.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()
    wait.until(EC.presence_of_element_located((By.ID, "id_token"))).send_keys(code)
    before = _session_id(browser)

    page_turn(browser, browser.find_element(By.CSS_SELECTOR, "main button[type=submit]").click)
    wait.until(EC.presence_of_element_located((By.ID, "home-q")))
    after = _session_id(browser)
    assert after != before

    browser.delete_cookie(settings.SESSION_COOKIE_NAME)
    browser.add_cookie({"name": settings.SESSION_COOKIE_NAME, "value": before, "path": "/"})
    browser.get(f"{live_server.url}/backoffice/")
    assert "/connexion/" in browser.current_url  # the id seen before the code opens nothing

    browser.delete_cookie(settings.SESSION_COOKIE_NAME)
    browser.add_cookie({"name": settings.SESSION_COOKIE_NAME, "value": after, "path": "/"})
    browser.get(f"{live_server.url}/backoffice/")
    wait.until(EC.presence_of_element_located((By.ID, "home-q")))
