"""A real browser through the caseload, the social file page and writing a private note."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from dossier_unique.models import Note
from tests.browser.conftest import FLUSHABLE_APPS, log_in, page_turn
from tests.dossier_unique.factories import open_file
from tests.factories import CitizenFactory, MembershipFactory, TeamFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, available_apps=FLUSHABLE_APPS)
def test_social_worker_writes_a_private_note_that_a_colleague_elsewhere_cannot_reach(live_server, browser):
    team = TeamFactory(name="PMI — CDAS Vitré")
    worker = MembershipFactory(team=team).user
    elsewhere = MembershipFactory(team=TeamFactory(name="PMI — CDAS Redon")).user
    citizen = CitizenFactory(birth_name="Rolland", first_names="Camille")
    file, _ = open_file(citizen=citizen, team=team, actor=worker, referent=worker)
    wait = WebDriverWait(browser, 10)

    log_in(browser, live_server, worker)
    page_turn(browser, wait.until(EC.element_to_be_clickable((By.LINK_TEXT, "Mes dossiers"))).click)
    wait.until(EC.element_to_be_clickable((By.PARTIAL_LINK_TEXT, "ROLLAND"))).click()
    wait.until(EC.presence_of_element_located((By.TAG_NAME, "h1")))
    assert "ROLLAND Camille" in browser.find_element(By.TAG_NAME, "h1").text

    browser.find_element(By.XPATH, "//summary[normalize-space()='Écrire une note']").click()
    Select(browser.find_element(By.ID, "id_note-visibility")).select_by_value("private")
    browser.find_element(By.ID, "id_note-text").send_keys("Entretien au domicile : situation stable.")
    save = browser.find_element(By.XPATH, "//button[normalize-space()='Enregistrer la note']")
    page_turn(browser, save.click)

    wait.until(EC.text_to_be_present_in_element((By.TAG_NAME, "main"), "Entretien au domicile : situation stable."))
    note = Note.objects.get(file=file)
    assert (note.author_id, note.visibility) == (worker.pk, "private")

    browser.find_element(By.CSS_SELECTOR, ".logout button").click()
    log_in(browser, live_server, elsewhere)
    wait.until(EC.element_to_be_clickable((By.LINK_TEXT, "Mes dossiers")))
    browser.get(f"{live_server.url}/backoffice/dossiers/{file.pk}/")
    assert "Page introuvable" in browser.find_element(By.TAG_NAME, "h1").text
    assert "situation stable" not in browser.page_source
