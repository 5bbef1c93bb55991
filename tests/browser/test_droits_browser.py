"""A real browser on "Non-recours possible": an agent filters the list with the keyboard only (a benefit chosen
in the select, Tab to the button, Enter), opens the person's rights page from the list, and neither page has a
serious or critical accessibility violation (axe-core from npm). The rows are written as the batch writes them."""

from decimal import Decimal

import pytest
from django.urls import reverse
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from droits.models import NonRecours
from tests.browser.conftest import FLUSHABLE_APPS, log_in, page_turn
from tests.browser.test_portal_a11y import _axe
from tests.droits.world import a_team, agent_of, person_with_file


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, available_apps=FLUSHABLE_APPS)
def test_agent_filters_the_non_recours_list_with_the_keyboard_and_opens_a_person(live_server, browser):
    team = a_team()
    agent = agent_of(team)
    rsa = person_with_file(team, agent, birth_name="Quéré", first_names="Gwendoline")
    housing = person_with_file(team, agent, birth_name="Le Goff", first_names="Yannick")
    for file, benefit, amount in ((rsa, "rsa", "573.49"), (housing, "aides_logement", "308.00")):
        NonRecours.objects.create(
            citizen=file.citizen, file=file, benefit=benefit, monthly_amount=Decimal(amount), period="2026-05",
            commune_id="35238",
        )  # fmt: skip
    wait = WebDriverWait(browser, 10)
    log_in(browser, live_server, agent)
    page_turn(browser, wait.until(EC.element_to_be_clickable((By.LINK_TEXT, "Non-recours"))).click)
    wait.until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Non-recours possible"))
    table = browser.find_element(By.TAG_NAME, "table").text
    assert table.index("QUÉRÉ") < table.index("LE GOFF")  # the largest amount first
    assert _axe(browser) == []

    # Keyboard only: the benefit select and its first letters, Tab past the commune to the button, Enter.
    select = browser.find_element(By.ID, "id_prestation")
    select.send_keys("Revenu")
    select.send_keys(Keys.TAB)
    browser.switch_to.active_element.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.text == "Filtrer"
    page_turn(browser, lambda: browser.switch_to.active_element.send_keys(Keys.ENTER))
    wait.until(EC.url_contains("prestation=rsa"))
    table = browser.find_element(By.TAG_NAME, "table").text
    assert "QUÉRÉ" in table and "LE GOFF" not in table
    link = browser.find_element(By.PARTIAL_LINK_TEXT, "QUÉRÉ")
    page_turn(browser, lambda: link.send_keys(Keys.ENTER))
    wait.until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Estimation des droits"))
    assert browser.current_url.endswith(reverse("backoffice:droits_file", args=[rsa.pk]))
    assert _axe(browser) == []
