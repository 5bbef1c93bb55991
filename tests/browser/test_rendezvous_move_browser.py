"""A real browser moves an appointment with the keyboard only: from the appointment's page to the move page, a
time chosen among the radio buttons with the arrow keys, the move confirmed; the appointment moved."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from rendezvous.models import Rendezvous
from tests.browser.conftest import FLUSHABLE_APPS, log_in, page_turn
from tests.factories import CitizenFactory
from tests.rendezvous.agents_setup import appointment, at, desk, open_day


def _tab_to(browser, element, steps=120):
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    for _step in range(steps):
        if browser.switch_to.active_element == element:
            return
        browser.switch_to.active_element.send_keys(Keys.TAB)
    raise AssertionError("the keyboard never reached the element")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, available_apps=FLUSHABLE_APPS)
def test_agent_moves_an_appointment_with_the_keyboard(live_server, browser):
    d = desk(name="RSA — CDAS Fougères")
    day = open_day(2)
    rendezvous = appointment(d, at(day, 9), CitizenFactory(birth_name="Hamon", first_names="Yann"))
    wait = WebDriverWait(browser, 10)
    log_in(browser, live_server, d.agent)
    browser.get(f"{live_server.url}/backoffice/rendez-vous/{rendezvous.pk}/")
    move = wait.until(EC.presence_of_element_located((By.LINK_TEXT, "Déplacer le rendez-vous")))
    _tab_to(browser, move)
    page_turn(browser, lambda: move.send_keys(Keys.ENTER))
    week = wait.until(EC.presence_of_element_located((By.ID, "id_week")))
    week.clear()
    week.send_keys(f"{at(day, 0):%d/%m/%Y}")
    page_turn(browser, lambda: week.send_keys(Keys.ENTER))
    first = wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "input[type=radio][name=slot]")))
    assert browser.find_element(By.TAG_NAME, "legend").text  # each day is a labelled group
    _tab_to(browser, first)
    first.send_keys(Keys.SPACE)
    browser.switch_to.active_element.send_keys(Keys.ARROW_DOWN)  # the next time of that day
    chosen = browser.switch_to.active_element
    assert chosen.get_attribute("type") == "radio" and chosen.is_selected()
    target = chosen.get_attribute("value").split("|")[0]
    button = browser.find_element(By.XPATH, "//button[normalize-space()='Déplacer à ce créneau']")
    _tab_to(browser, button)
    page_turn(browser, lambda: button.send_keys(Keys.ENTER))
    wait.until(EC.text_to_be_present_in_element((By.TAG_NAME, "main"), "Le rendez-vous est déplacé"))
    moved = Rendezvous.objects.get(pk=rendezvous.pk)
    assert moved.starts_at.isoformat() == target and moved.starts_at != at(day, 9)
