"""A real browser (headless Chromium): an agent writes a letter to a citizen whose file their team follows,
from the team's template ("Appliquer le modèle" fills the text for this citizen), records it, and downloads
its PDF; axe-core finds no serious or critical violation on the form and on the letter's page."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

from grc.models import Membership
from tests.browser.conftest import FLUSHABLE_APPS, log_in, page_turn
from tests.browser.test_portal_a11y import _axe
from tests.dossier_unique.factories import open_file
from tests.factories import AddressFactory, CitizenFactory, MembershipFactory, TeamFactory, UserFactory
from travail import templates_services
from travail.models import OutgoingLetter


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, available_apps=FLUSHABLE_APPS)
def test_write_a_letter_from_a_template_and_download_it(live_server, browser):
    team = TeamFactory(name="Polyvalence — CDAS Saint-Malo")
    agent = UserFactory(staff=True, first_name="Soizic", last_name="Le Bihan")
    MembershipFactory(user=agent, team=team, role=Membership.Role.SOCIAL_WORKER)
    manager = MembershipFactory(team=team, role=Membership.Role.TEAM_MANAGER).user
    citizen = CitizenFactory(first_names="Erwan", birth_name="Guéguen", usage_name="")
    AddressFactory(citizen=citizen, line1="12 quai Saint-Malo", postcode="35400", city="Saint-Malo")
    file, _ = open_file(citizen=citizen, team=team, actor=agent)
    templates_services.message_template_create(
        actor=manager, team=team, name="Convocation", body="Bonjour {{ nom }},\n\nNous vous proposons un entretien."
    )

    wait = WebDriverWait(browser, 10)
    log_in(browser, live_server, agent)
    browser.get(f"{live_server.url}/backoffice/courriers-sortants/nouveau/?dossier={file.pk}")
    wait.until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Nouveau courrier"))
    assert _axe(browser) == []
    Select(browser.find_element(By.ID, "id_modele")).select_by_visible_text(f"Convocation ({team.name})")
    page_turn(browser, browser.find_element(By.XPATH, "//button[normalize-space()='Appliquer le modèle']").click)
    body = wait.until(EC.presence_of_element_located((By.ID, "id_body")))
    assert body.get_attribute("value").startswith("Bonjour Erwan GUÉGUEN,")
    assert browser.find_element(By.ID, "id_subject").get_attribute("value") == "Convocation"
    body.send_keys("\n\nÀ bientôt <au CDAS>.")
    page_turn(browser, browser.find_element(By.XPATH, "//button[normalize-space()='Établir le courrier']").click)
    letter = OutgoingLetter.objects.get()
    wait.until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), letter.reference))
    assert "À bientôt <au CDAS>." in browser.find_element(By.CSS_SELECTOR, ".note-text").text
    assert _axe(browser) == []

    # The download link answers a PDF to this browser's session (read through fetch: no file dialog).
    link = browser.find_element(By.PARTIAL_LINK_TEXT, "Télécharger le PDF").get_attribute("href")
    browser.set_script_timeout(30)
    status, kind, head = browser.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        fetch(arguments[0], {credentials: "same-origin"}).then(async r => {
          const bytes = new Uint8Array(await r.arrayBuffer());
          done([r.status, r.headers.get("content-type"), String.fromCharCode(...bytes.slice(0, 5))]);
        }).catch(e => done([0, String(e), ""]));
        """,
        link,
    )
    assert (status, kind, head) == (200, "application/pdf", "%PDF-")
