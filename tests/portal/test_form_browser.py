"""In a real headless Chromium: the procedure form's steps (one at a time, previous / next) and a conditional
field shown only for the answer that asks for it (static/js/portal-form.js); filing still reaches the review."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from demo.records import Counts
from grc.models import Citizen
from portal.demo.home import seed_portal_pages
from portal.models import ProcedureIndexPage
from tests.browser.conftest import FLUSHABLE_APPS, page_turn
from tests.factories import CitizenFactory, TeamFactory, UserFactory

from .conftest import ensure_wagtail_root, make_procedure

FIELDS = [
    ("Vous déposez pour", "radio", True, "Vous-même\nUne association", "", 10),
    ("Numéro SIRET", "singleline", True, "", "", 10),
    ("Montant demandé", "number", True, "", "", 10),
]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, available_apps=FLUSHABLE_APPS)
def test_steps_one_at_a_time_and_a_field_shown_by_an_answer(live_server, browser):
    ensure_wagtail_root()
    home = seed_portal_pages(counts=Counts())
    catalogue = home.add_child(instance=ProcedureIndexPage(title="Toutes les démarches", slug="demarches"))
    page = make_procedure(catalogue, slug="aide-projet", title="Aide à projet", fields=FIELDS, team=TeamFactory())
    fields = {f.label: f for f in page.form_fields.all()}
    fields["Numéro SIRET"].condition_field = "Vous déposez pour"
    fields["Numéro SIRET"].condition_value = "Une association"
    fields["Montant demandé"].step = 2
    fields["Montant demandé"].step_title = "Le budget"
    for field in fields.values():
        field.save()
    user = UserFactory(citizen_account=True)
    CitizenFactory(user=user, assurance_level=Citizen.Assurance.EMAIL_VERIFIED)

    browser.get(f"{live_server.url}/connexion/")
    browser.find_element(By.ID, "id_username").send_keys(user.email)
    browser.find_element(By.ID, "id_password").send_keys("motdepasse-solide-42")
    page_turn(browser, browser.find_element(By.CSS_SELECTOR, "main button[type=submit]").click)
    browser.get(f"{live_server.url}/demarches/aide-projet/")

    siret = browser.find_element(By.ID, "id_numero_siret")
    amount = browser.find_element(By.ID, "id_montant_demande")
    next_step = browser.find_element(By.XPATH, '//button[normalize-space()="Étape suivante"]')
    review = browser.find_element(By.XPATH, '//button[normalize-space()="Continuer vers la vérification"]')
    assert not siret.is_displayed() and not amount.is_displayed() and not review.is_displayed()
    browser.find_element(By.XPATH, '//label[normalize-space()="Une association"]').click()
    assert siret.is_displayed()
    browser.find_element(By.XPATH, '//label[normalize-space()="Vous-même"]').click()
    assert not siret.is_displayed()

    next_step.click()
    WebDriverWait(browser, 10).until(lambda b: amount.is_displayed())
    assert review.is_displayed() and not next_step.is_displayed()
    assert (
        "Étape 2 sur 2 : Le budget" in browser.find_element(By.CSS_SELECTOR, "fieldset.form-step:not([hidden])").text
    )
    amount.send_keys("1500")
    page_turn(browser, review.click)
    assert browser.current_url.endswith("/verification/")
    assert "1500" in browser.find_element(By.TAG_NAME, "main").text
