"""A citizen books an appointment in a real headless Chromium: motif → lieu → slot (keyboard) → confirmation →
"Mes rendez-vous", then cancels it; axe-core finds no serious or critical violation on the booking pages."""

import datetime

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from rendezvous.models import Participant, Rendezvous
from tests.browser.conftest import FLUSHABLE_APPS, page_turn
from tests.browser.test_portal_a11y import _axe, _log_in_as
from tests.factories import CitizenFactory, UserFactory
from tests.rendezvous.factories import LieuFactory, MotifFactory, PlageFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, available_apps=FLUSHABLE_APPS)
def test_citizen_books_then_cancels_in_the_browser(live_server, browser):
    motif = MotifFactory(
        name="Premier accueil social",
        min_booking_delay_minutes=60,
        max_booking_delay_days=21,
        cancel_until_hours=2,
        instructions_after="Apportez un justificatif de domicile.",
    )
    lieu = LieuFactory(name="CDAS du Blosne", latitude=48.09, longitude=-1.65)
    PlageFactory(
        lieu=lieu,
        first_day=timezone.localdate(),
        weekdays=list(range(7)),
        start_time=datetime.time(8),
        end_time=datetime.time(18),
        motifs=[motif],
    )
    account = UserFactory(citizen_account=True)
    citizen = CitizenFactory(user=account)
    _log_in_as(browser, live_server, account)
    violations = {}

    browser.get(f"{live_server.url}/mon-espace/rendez-vous/")
    page_turn(browser, browser.find_element(By.LINK_TEXT, "Prendre un rendez-vous").click)
    violations["motifs"] = _axe(browser)
    page_turn(browser, browser.find_element(By.PARTIAL_LINK_TEXT, "Premier accueil social").click)
    violations["lieux"] = _axe(browser)
    page_turn(browser, browser.find_element(By.LINK_TEXT, "CDAS du Blosne").click)
    violations["slots"] = _axe(browser)
    # A slot is a link: reach the third one with the keyboard and press Enter.
    slots = browser.find_elements(By.CSS_SELECTOR, ".rdv-slots a")
    assert len(slots) > 3
    chosen = slots[2]
    chosen.send_keys(Keys.NULL)  # focus
    page_turn(browser, lambda: chosen.send_keys(Keys.ENTER))
    violations["confirm"] = _axe(browser)
    email = browser.find_element(By.ID, "id_email")
    email.clear()
    email.send_keys("camille@example.org")
    browser.find_element(By.ID, "id_phone").send_keys("06 12 34 56 78")
    page_turn(browser, browser.find_element(By.XPATH, '//button[normalize-space()="Confirmer le rendez-vous"]').click)

    assert browser.current_url.endswith("/mon-espace/rendez-vous/")
    body = browser.find_element(By.TAG_NAME, "main").text
    assert "est confirmé" in body and "Apportez un justificatif de domicile." in body and "CDAS du Blosne" in body
    violations["mes-rendez-vous"] = _axe(browser)
    participant = Participant.objects.get(citizen=citizen)
    assert participant.phone == "+33612345678" and participant.email == "camille@example.org"

    page_turn(browser, browser.find_element(By.XPATH, '//button[starts-with(normalize-space(), "Annuler")]').click)
    assert "Votre rendez-vous est annulé." in browser.find_element(By.TAG_NAME, "main").text
    assert Rendezvous.objects.get().status == "annule"
    assert not any(violations.values()), violations
