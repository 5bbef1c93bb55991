import pytest
from django.apps import apps
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from grc.services.otp import otp_backup_codes_create

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


def page_turn(browser, action, timeout=30):
    """Run ``action`` (a click or key press that submits a form), then wait until the browser has
    left the current document. The next wait then reads the new page: reading an element of the
    old one while it is torn down fails in Chromium with "Node … does not belong to the document",
    which WebDriverWait does not retry."""
    old = browser.find_element(By.TAG_NAME, "html")
    action()

    def left(driver):
        try:
            old.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as error:
            # The same tear-down, reported by Chromium through the inspector instead of as staleness.
            if "does not belong to the document" in (error.msg or ""):
                return True
            raise
        return False

    WebDriverWait(browser, timeout).until(left)


def log_in(browser, live_server, user, password="motdepasse-solide-42"):
    """Password, then a backup code at the second-factor step, as a person would."""
    code = otp_backup_codes_create(user=user)[0]
    browser.get(f"{live_server.url}/connexion/")
    browser.find_element(By.ID, "id_username").send_keys(user.email)
    browser.find_element(By.ID, "id_password").send_keys(password)
    browser.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()
    WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.ID, "id_token"))).send_keys(code)
    # Wait for the page after the second factor: a browser.get() before it lands races the verification.
    page_turn(browser, browser.find_element(By.CSS_SELECTOR, "main button[type=submit]").click)
