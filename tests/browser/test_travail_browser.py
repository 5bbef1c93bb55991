"""A real browser (headless Chromium) on "Ma journée" at 1366×900: the header holds on one row even for an
agent with many roles, every figure leads to its list, a task is done from there, "/" still focuses the
search, and axe-core finds no serious or critical violation on the pages."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from demandes import services as request_services
from grc.models import Membership, Team
from tests.browser.conftest import FLUSHABLE_APPS, log_in, page_turn
from tests.browser.test_portal_a11y import _axe
from tests.factories import MembershipFactory, TeamFactory, UserFactory
from tests.requests.factories import filed_request
from travail import services
from travail.models import Task


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, available_apps=FLUSHABLE_APPS)
def test_ma_journee_in_a_browser(live_server, browser):
    team = TeamFactory(name="Action sociale — CDAS Vitré")
    agent = UserFactory(staff=True, first_name="Gwenaëlle", last_name="Le Moal-Kerbrat")
    # Many roles, so many navigation entries: the header must still hold on one row.
    for role in (Membership.Role.TEAM_MANAGER, Membership.Role.SOCIAL_WORKER):
        MembershipFactory(user=agent, team=team, role=role)
    MembershipFactory(user=agent, team=TeamFactory(name="Courrier", kind=Team.Kind.MAIL),
                      role=Membership.Role.MAILROOM_AGENT)  # fmt: skip
    colleague = MembershipFactory(team=team).user
    req = filed_request(team=team)
    request_services.request_assign(request=req, user=agent, actor=agent)
    request_services.request_message_post(request=req, author=req.account, body="Bonjour", from_citizen=True)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    services.task_create(actor=colleague, title="Relancer la CAF", assignee=agent, due_date=yesterday)

    browser.set_window_size(1366, 900)
    wait = WebDriverWait(browser, 10)
    log_in(browser, live_server, agent)
    browser.get(f"{live_server.url}/backoffice/")
    wait.until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Ma journée"))
    header = browser.find_element(By.CSS_SELECTOR, ".site-header")
    assert header.size["height"] <= 64, header.size
    assert _axe(browser) == []
    cards = browser.find_element(By.CSS_SELECTOR, ".dashboard").text
    assert "message non lu" in cards and req.tracking_code in cards

    # "/" focuses the search box (the shortcut is kept).
    browser.find_element(By.TAG_NAME, "body").send_keys("/")
    assert browser.switch_to.active_element.get_attribute("id") == "header-q"

    page_turn(browser, browser.find_element(By.PARTIAL_LINK_TEXT, "en retard").click)
    wait.until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Tâches"))
    assert "Relancer la CAF" in browser.find_element(By.CSS_SELECTOR, "table.task-list").text
    assert _axe(browser) == []
    done = browser.find_element(By.XPATH, "//button[contains(., 'Relancer la CAF')]")
    page_turn(browser, lambda: done.send_keys(Keys.ENTER))
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".messages")))
    assert Task.objects.get(title="Relancer la CAF").done_by == agent
