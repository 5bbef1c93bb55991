"""axe-core (from npm) in the real headless Chromium over the portal's pages: no serious or critical violation.

Also, in the same browser: after a refused submit the error summary has the focus, and the draft
autosave (``static/js/portal-autosave.js``) works under the strict CSP.

Pages: home, catalogue, a procedure form (empty, then with errors after a bad submit), the sign-up
and login pages, Mon espace and its "Exercer mes droits" form (empty, then with errors). A page whose
URL is not mounted is reported by the test, not skipped.
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from demandes.models import Request
from grc.models import Citizen
from tests.browser.conftest import FLUSHABLE_APPS
from tests.factories import CitizenFactory, TeamFactory, UserFactory
from tests.portal.conftest import FIELDS, ensure_wagtail_root, make_procedure

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}


def _axe(browser) -> list[dict]:
    """The serious and critical violations axe-core finds on the current page (WCAG 2.x A/AA rules)."""
    browser.execute_script(AXE.read_text())
    browser.set_script_timeout(60)
    result = browser.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        axe.run(document, {resultTypes: ["violations"], runOnly: {type: "tag",
            values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]}})
          .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}))))
          .catch(e => done([{id: "axe-error", impact: "critical", help: String(e), nodes: []}]));
        """
    )
    return [v for v in result if v["impact"] in BLOCKING]


def _log_in_as(browser, live_server, user):
    """The portal session cookie of ``user`` handed to the browser (the login form has its own tests)."""
    client = Client()
    client.force_login(user)
    browser.get(f"{live_server.url}/static/css/portal.css")
    browser.add_cookie(
        {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value}
    )


def _optional_url(name: str) -> str | None:
    try:
        return reverse(name)
    except Exception:  # noqa: BLE001 -- NoReverseMatch, or the area is not mounted yet
        return None


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, available_apps=FLUSHABLE_APPS)
def test_portal_pages_have_no_serious_accessibility_violation(live_server, browser):
    from demo.records import Counts
    from portal.demo.home import seed_portal_pages
    from portal.models import ProcedureIndexPage, ProcedureTheme

    ensure_wagtail_root()
    home = seed_portal_pages(counts=Counts())
    catalogue = ProcedureIndexPage(title="Toutes les démarches", slug="demarches", intro="<p>Par thème.</p>")
    home.add_child(instance=catalogue)
    theme = ProcedureTheme.objects.create(name="Enfance et scolarité", slug="enfance")
    procedure = make_procedure(
        catalogue,
        slug="transport-scolaire-adapte",
        title="Transport scolaire adapté",
        theme=theme,
        team=TeamFactory(),
        fields=FIELDS,
        description="<p>Le Département organise le transport des élèves en situation de handicap.</p>",
        documents_to_provide=[("document", "Notification de la MDPH")],
    )
    make_procedure(catalogue, slug="rsa", title="RSA", fields=[], is_open=False, opening_note="En 2027")
    citizen_user = UserFactory(citizen_account=True)
    CitizenFactory(user=citizen_user, assurance_level=Citizen.Assurance.EMAIL_VERIFIED)

    pages = {"accueil": "/", "catalogue": catalogue.url, "catalogue filtré": f"{catalogue.url}?q=transport"}
    public_missing = []
    for label, name in (("inscription", "accounts:signup"), ("connexion", "accounts:login")):
        url = _optional_url(name)
        if url is None:
            public_missing.append(name)
        else:
            pages[label] = url
    found = {}
    for label, url in pages.items():
        browser.get(f"{live_server.url}{url}")
        found[label] = _axe(browser)
    # The harness itself: an image without a text alternative is caught (critical).
    browser.execute_script("document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"x.png\">')")
    assert "image-alt" in {v["id"] for v in _axe(browser)}

    _log_in_as(browser, live_server, citizen_user)
    browser.get(f"{live_server.url}{procedure.url}")
    assert browser.find_element(By.CSS_SELECTOR, "form.procedure-form")
    found["démarche (formulaire vide)"] = _axe(browser)
    browser.find_element(By.CSS_SELECTOR, "button[value=review]").click()
    WebDriverWait(browser, 15).until(EC.presence_of_element_located((By.CSS_SELECTOR, ".error-summary")))
    assert "Ce champ est obligatoire." in browser.page_source
    found["démarche (avec erreurs)"] = _axe(browser)
    # The error summary takes the focus (portal-autosave.js), and autosave keeps what is typed, under the strict CSP.
    assert browser.switch_to.active_element.get_attribute("id") == "erreurs"
    browser.find_element(By.ID, "id_expose_de_la_situation").send_keys("Trajet du matin vers Vitré")
    WebDriverWait(browser, 20).until(
        EC.text_to_be_present_in_element((By.ID, "etat-brouillon"), "Brouillon enregistré automatiquement")
    )
    draft = Request.objects.get(account=citizen_user, status=Request.Status.DRAFT)
    assert draft.answers["expose_de_la_situation"] == "Trajet du matin vers Vitré"
    espace = _optional_url("espace:home")
    if espace is None:
        public_missing.append("espace:home")
    else:
        browser.get(f"{live_server.url}{espace}")
        found["mon espace"] = _axe(browser)
        browser.get(f"{live_server.url}{reverse('espace:rights')}")
        found["exercer mes droits"] = _axe(browser)
        browser.find_element(By.CSS_SELECTOR, "form.rights-form button[type=submit]").click()
        WebDriverWait(browser, 15).until(EC.presence_of_element_located((By.CSS_SELECTOR, ".error-summary")))
        found["exercer mes droits (avec erreurs)"] = _axe(browser)

    violations = {label: issues for label, issues in found.items() if issues}
    assert not violations, violations
    # The sign-up, login and Mon espace pages belong to the accounts and requests areas: all three are checked.
    assert not public_missing, f"pages not mounted, not checked: {public_missing}"
