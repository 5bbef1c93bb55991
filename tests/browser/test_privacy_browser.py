"""The DPO asked for an erasure and stays on the register entry: the page updates itself when the worker is done,
at its #effacement anchor (a meta refresh to a URL with a fragment is only a jump), but never while the DPO
is typing something on it."""

import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from grc.models import Citizen
from privacy.models import ErasureExecution
from privacy.tasks import execute_erasure
from tests.browser.conftest import FLUSHABLE_APPS, log_in
from tests.factories import CitizenFactory
from tests.privacy.conftest import gdpr_entry


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, available_apps=FLUSHABLE_APPS)
def test_the_register_entry_shows_the_erasure_done_without_a_click(live_server, browser, dpo):
    citizen = CitizenFactory(birth_name="Kerbrat", first_names="Anne")
    entry = gdpr_entry(dpo=dpo, citizen=citizen, kind="erasure")
    # As the DPO's click leaves it: recorded, waiting for the worker.
    erasure = ErasureExecution.objects.create(gdpr_request=entry, requested_by=dpo)

    log_in(browser, live_server, dpo)
    browser.get(f"{live_server.url}{entry.get_absolute_url()}#effacement")
    section = browser.find_element(By.ID, "effacement")
    assert "en attente" in section.text

    reason = browser.find_element(By.ID, "id_extend_reason")
    reason.send_keys("Demande complexe")
    assert execute_erasure.call(erasure.pk, dpo.pk) == "done"  # the worker takes it and erases

    time.sleep(7)  # more than the 5 s refresh: what the DPO typed holds it back
    assert "en attente" in browser.find_element(By.ID, "effacement").text
    assert reason.get_attribute("value") == "Demande complexe"

    reason.clear()
    WebDriverWait(browser, 20).until(EC.text_to_be_present_in_element((By.ID, "effacement"), "terminé"))
    assert "Répondez au demandeur" in browser.find_element(By.ID, "effacement").text
    assert browser.current_url.endswith("#effacement")
    assert Citizen.objects.get(pk=citizen.pk).birth_name != "Kerbrat"
