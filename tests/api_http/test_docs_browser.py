"""The API docs page in a real Chromium: Swagger UI from our static files, under the site's CSP, for staff."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from config.api import api
from tests.api_http.conftest import FLUSHABLE_APPS
from tests.browser.conftest import browser, log_in  # noqa: F401  (the fixture)
from tests.factories import MembershipFactory

# Every CSP violation of the page (blocked script, style, image, connection) lands in window.cspViolations.
RECORD_CSP_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
    window.cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, available_apps=FLUSHABLE_APPS)
def test_staff_reads_the_api_docs_with_no_csp_violation(live_server, browser):  # noqa: F811
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_CSP_VIOLATIONS})
    log_in(browser, live_server, MembershipFactory().user)

    response_policy = browser.execute_script(
        "return fetch('/api/v1/docs').then((r) => r.headers.get('Content-Security-Policy'));"
    )
    assert "script-src 'self'" in response_policy
    browser.get(f"{live_server.url}/api/v1/docs")
    WebDriverWait(browser, 30).until(EC.presence_of_element_located((By.CSS_SELECTOR, ".opblock")))

    operations = sum(len(methods) for methods in api.get_openapi_schema()["paths"].values())
    assert len(browser.find_elements(By.CSS_SELECTOR, ".opblock")) == operations
    assert "GRC — API" in browser.find_element(By.CSS_SELECTOR, ".info .title").text
    assert browser.execute_script("return window.cspViolations;") == []
    scripts = [e.get_attribute("src") for e in browser.find_elements(By.CSS_SELECTOR, "script[src]")]
    assert scripts and all(src.startswith(f"{live_server.url}/static/") for src in scripts)
