"""In a real headless Chromium: an L49 declaration in two server-side steps (a field shown by an answer through
static/js/portal-form.js on the first, the point chosen with the map picker on the second, back and forth without
losing anything), and a notary's request answered in the back office (the deceased chosen among the candidates,
the recoverable amount typed). One live server and one browser for both page families."""

import datetime

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from demandes import services
from demandes.models import Request
from demo.records import Counts
from grc.models import Citizen
from portal.demo.home import seed_portal_pages
from portal.models import ProcedureIndexPage
from tests.browser.conftest import FLUSHABLE_APPS, log_in, page_turn
from tests.factories import CitizenFactory, TeamFactory, UserFactory
from tests.portal.conftest import ensure_wagtail_root, make_procedure
from tests.requests.factories import citizen_account, instructor

L49_FIELDS = [
    ("Nom de l'entreprise ou de l'organisme", "singleline", True, "", "", 10),
    ("Vous déclarez pour", "radio", True, "Vous-même\nUn sous-traitant", "", 10),
    ("SIRET du sous-traitant", "singleline", True, "", "", 10),
    ("Commune", "singleline", True, "", "", 10),
    ("Latitude du point de travaux", "number", False, "", "", 10),
    ("Longitude du point de travaux", "number", False, "", "", 10),
]


def _button(browser, text):
    return browser.find_element(By.XPATH, f'//main//button[normalize-space()="{text}"]')


def _declare_with_the_map(browser, live_server, catalogue, team):
    page = make_procedure(catalogue, slug="declaration-l49", title="Déclaration L49", fields=L49_FIELDS, team=team)
    for field in page.form_fields.all():
        if field.label == "SIRET du sous-traitant":
            field.condition_field, field.condition_value = "Vous déclarez pour", "Un sous-traitant"
        elif field.label in ("Commune", "Latitude du point de travaux", "Longitude du point de travaux"):
            field.step, field.step_title = 2, "Localisation"
        field.save()
    operator = UserFactory(citizen_account=True)
    CitizenFactory(user=operator, assurance_level=Citizen.Assurance.EMAIL_VERIFIED)
    browser.get(f"{live_server.url}/connexion/")
    browser.find_element(By.ID, "id_username").send_keys(operator.email)
    browser.find_element(By.ID, "id_password").send_keys("motdepasse-solide-42")
    page_turn(browser, browser.find_element(By.CSS_SELECTOR, "main button[type=submit]").click)
    browser.get(f"{live_server.url}/demarches/declaration-l49/")
    # Step 1 of 2 only (the server keeps the steps); the script shows the SIRET for a subcontractor only.
    assert not browser.find_elements(By.ID, "id_commune") and "Étape 1 sur 2" in browser.page_source
    siret = browser.find_element(By.ID, "id_siret_du_sous_traitant")
    assert not siret.is_displayed()
    browser.find_element(By.XPATH, '//label[normalize-space()="Un sous-traitant"]').click()
    assert siret.is_displayed()
    browser.find_element(By.XPATH, '//label[normalize-space()="Vous-même"]').click()
    assert not siret.is_displayed()
    browser.find_element(By.ID, "id_nom_de_lentreprise_ou_de_lorganisme").send_keys("Fibre 35")
    page_turn(browser, _button(browser, "Étape suivante").click)
    assert "Étape 2 sur 2 : Localisation" in browser.find_element(By.CSS_SELECTOR, "fieldset.form-step").text

    picker = browser.find_element(By.CSS_SELECTOR, "[data-map-picker]")
    WebDriverWait(browser, 20).until(lambda b: picker.get_attribute("data-map-ready") == "1")
    # A click where the map draws Rennes (the offset from the canvas centre, as Selenium measures it).
    canvas = picker.find_element(By.CSS_SELECTOR, ".map-canvas")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", canvas)
    x, y = browser.execute_script(
        "var p = arguments[0].leafletMap.latLngToContainerPoint([48.1113, -1.68]);"
        "var s = arguments[0].leafletMap.getSize(); return [p.x - s.x / 2, p.y - s.y / 2];",
        picker,
    )
    ActionChains(browser).move_to_element_with_offset(canvas, int(x), int(y)).click().perform()
    WebDriverWait(browser, 10).until(lambda b: picker.get_attribute("data-picked"))
    latitude = browser.find_element(By.ID, "id_latitude_du_point_de_travaux").get_attribute("value")
    commune = browser.find_element(By.ID, "id_commune").get_attribute("value")
    assert abs(float(latitude) - 48.1113) < 0.05 and commune == "Rennes", (latitude, commune)
    assert "Point choisi" in picker.find_element(By.CSS_SELECTOR, ".map-status").text

    # Back to step 1 and forward again: both steps kept what was typed and picked.
    page_turn(browser, _button(browser, "Étape précédente").click)
    assert browser.find_element(By.ID, "id_nom_de_lentreprise_ou_de_lorganisme").get_attribute("value") == "Fibre 35"
    page_turn(browser, _button(browser, "Étape suivante").click)
    assert browser.find_element(By.ID, "id_latitude_du_point_de_travaux").get_attribute("value") == latitude
    page_turn(browser, _button(browser, "Continuer vers la vérification").click)
    assert browser.current_url.endswith("/verification/"), browser.find_element(By.TAG_NAME, "main").text
    assert commune in browser.find_element(By.TAG_NAME, "main").text
    page_turn(browser, browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click)
    filed = Request.objects.get(account=operator)
    assert filed.status == Request.Status.SUBMITTED and filed.answers["commune"] == commune


def _answer_the_notary(browser, live_server, team):
    deceased = CitizenFactory(birth_name="Le Goff", first_names="Yvonne", birth_date=datetime.date(1931, 2, 3))
    account, citizen = citizen_account()
    answers = {"nom_de_naissance_du_defunt": "Le Goff", "prenoms_du_defunt": "Yvonne"}
    answers["date_de_naissance_du_defunt"] = "1931-02-03"
    draft = services.request_draft_save(account=account, procedure=None, answers=answers)
    filed = services.request_submit(request=draft, actor=account, citizen=citizen)
    Request.objects.filter(pk=filed.pk).update(team=team)
    browser.delete_all_cookies()
    log_in(browser, live_server, instructor(team))
    browser.get(f"{live_server.url}/backoffice/demandes/{filed.tracking_code}/")
    page_turn(browser, browser.find_element(By.LINK_TEXT, "Identifier le défunt et répondre au notaire").click)
    browser.find_element(By.XPATH, f'//label[contains(., "{deceased.display_name}")]').click()
    browser.find_element(By.ID, "id_aid_1").send_keys("Aide sociale à l'hébergement")
    browser.find_element(By.ID, "id_amount_1").send_keys("12 400,50")
    page_turn(browser, _button(browser, "Envoyer la réponse au notaire").click)
    main = browser.find_element(By.TAG_NAME, "main").text
    assert "Acceptée" in main and "Aide sociale à l'hébergement : 12 400,50 €" in main.replace("\u00a0", " ")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, available_apps=FLUSHABLE_APPS)
def test_l49_declaration_with_the_map_picker_and_a_notary_answered(live_server, browser):
    ensure_wagtail_root()
    home = seed_portal_pages(counts=Counts())
    catalogue = home.add_child(instance=ProcedureIndexPage(title="Toutes les démarches", slug="demarches"))
    team = TeamFactory(name="Routes et aide sociale")
    _declare_with_the_map(browser, live_server, catalogue, team)
    _answer_the_notary(browser, live_server, team)
