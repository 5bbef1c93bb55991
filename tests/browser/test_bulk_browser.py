"""A real browser (headless Chromium) on a bulk action in the mail bannette: tick two letters, "Attribuer…",
choose the colleague, confirm, the job page shows the progress and a result per letter, then the assignment is
undone; axe-core finds no serious or critical violation on the bannette, the confirmation and the job page."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

from grc.models import Membership
from mail.models import MailItem
from tests.browser.conftest import FLUSHABLE_APPS, log_in, page_turn
from tests.browser.test_portal_a11y import _axe
from tests.factories import MembershipFactory, TeamFactory, UserFactory
from tests.travail.test_bulk_mail import letter


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, available_apps=FLUSHABLE_APPS)
def test_bulk_assign_in_the_mail_bannette_in_a_browser(live_server, browser):
    team = TeamFactory(name="Autonomie — CDAS Fougères")
    agent = UserFactory(staff=True, first_name="Soizic", last_name="Le Bihan")
    MembershipFactory(user=agent, team=team, role=Membership.Role.INSTRUCTOR)
    colleague = UserFactory(staff=True, first_name="Erwan", last_name="Tanguy")
    MembershipFactory(user=colleague, team=team, role=Membership.Role.INSTRUCTOR)
    letters = [letter(team, n, uploader=agent) for n in (1, 2, 3)]
    wait = WebDriverWait(browser, 15)
    log_in(browser, live_server, agent)
    browser.get(f"{live_server.url}/backoffice/bannettes/{team.pk}/")
    wait.until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Bannette courrier"))
    assert _axe(browser) == []
    for item in letters[:2]:
        browser.find_element(By.ID, f"bulk-{item.pk}").click()
    page_turn(browser, browser.find_element(By.CSS_SELECTOR, "#bulk-form button[type=submit]").click)
    wait.until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Confirmer l'action en lot"))
    assert "2 courriers sélectionnés" in browser.find_element(By.TAG_NAME, "main").text
    assert _axe(browser) == []
    Select(browser.find_element(By.ID, "bulk-assignee")).select_by_visible_text("Erwan Tanguy")
    page_turn(browser, browser.find_element(By.CSS_SELECTOR, "button[name=confirm]").click)
    wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[role=status]"), "Terminée : 2 sur 2"))
    results = browser.find_element(By.CSS_SELECTOR, "table.bulk-result").text
    assert letters[0].registration_number in results and "attribué" in results
    assert _axe(browser) == []
    owners = dict(MailItem.objects.values_list("pk", "assigned_to"))
    assert owners == {letters[0].pk: colleague.pk, letters[1].pk: colleague.pk, letters[2].pk: None}
    page_turn(browser, browser.find_element(By.XPATH, "//button[contains(., 'Annuler cette attribution')]").click)
    wait.until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Annuler une attribution de courriers"))
    wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[role=status]"), "Terminée : 2 sur 2"))
    assert set(MailItem.objects.values_list("assigned_to", flat=True)) == {None}
