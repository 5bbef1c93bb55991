"""A real browser through the mailroom: batch upload, qualification beside the scan, Enter routes it."""

import datetime

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from grc.models import Membership, Team
from mail.models import MailItem, MailType, RoutingRule
from tests.browser.conftest import FLUSHABLE_APPS, log_in, page_turn
from tests.factories import CitizenFactory, MembershipFactory, TeamFactory
from tests.mail import letters


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, available_apps=FLUSHABLE_APPS)
def test_mailroom_agent_uploads_a_batch_and_routes_a_letter_with_enter(live_server, browser, tmp_path):
    mailroom = TeamFactory(name="Courrier", kind=Team.Kind.MAIL)
    agent = MembershipFactory(team=mailroom, role=Membership.Role.MAILROOM_AGENT).user
    transport = TeamFactory(name="Transport scolaire adapté")
    mail_type = MailType.objects.create(name="Transport scolaire adapté", code="transport", service_level_days=15)
    RoutingRule.objects.create(name="Transport", keywords="transport scolaire", mail_type=mail_type, team=transport)
    person = CitizenFactory(birth_name="Jégou", first_names="Maëlle", birth_date=datetime.date(1986, 10, 4))
    letter = letters.make_letter(
        seed=8, kind="transport", first_name="Maëlle", last_name="JÉGOU", birth_date=datetime.date(1986, 10, 4)
    )
    good = tmp_path / "lettre.png"
    good.write_bytes(letters.png_bytes(letter, dpi=150))
    fake = tmp_path / "faux.pdf"
    fake.write_bytes(b"ceci n'est pas un PDF")
    wait = WebDriverWait(browser, 60)

    log_in(browser, live_server, agent)
    wait.until(EC.element_to_be_clickable((By.LINK_TEXT, "Courrier entrant"))).click()
    picker = wait.until(EC.presence_of_element_located((By.ID, "id_fichiers")))
    picker.send_keys(f"{good}\n{fake}")
    wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-dropzone-count]"), "2 fichiers"))
    browser.find_element(By.XPATH, "//button[normalize-space()='Enregistrer le lot']").click()

    # Recognition runs inline in tests (ImmediateBackend): the answer lists each file's result.
    result = wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".mail-batch-result")))
    item = MailItem.objects.get()
    assert item.registration_number in result.text
    assert "faux.pdf" in result.text and "Ce format n'est pas accepté" in result.text

    browser.find_element(By.LINK_TEXT, "Qualifier").click()
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".mail-qualify-form")))
    # The confirm button has the focus on arrival: Enter accepts the suggestions.
    assert browser.switch_to.active_element.text == "Confirmer et aiguiller"
    image = browser.find_element(By.CSS_SELECTOR, ".viewer-page.is-current img")
    wait.until(lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image) > 0)
    width = image.size["width"]
    browser.find_element(By.CSS_SELECTOR, "[data-viewer-zoom-in]").click()
    assert image.size["width"] > width
    assert "JÉGOU" in browser.find_element(By.CSS_SELECTOR, ".candidates").text.upper()

    # Enter on the confirm button accepts the suggested citizen, type, team and due date.
    confirm = browser.find_element(By.CSS_SELECTOR, "button[accesskey=s]")
    page_turn(browser, lambda: confirm.send_keys(Keys.ENTER))
    wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".messages"), "aiguillé vers Transport scolaire"))
    item.refresh_from_db()
    assert item.status == MailItem.Status.ROUTED
    assert (item.citizen, item.team, item.mail_type) == (person, transport, mail_type)
