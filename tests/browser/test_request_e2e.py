"""End to end in a real headless Chromium: a citizen signs up, verifies their address (the link read
from the test's e-mail outbox), files the adapted school transport request with an attachment; an
instructor (staff, second factor) asks for a document; the citizen sends it from Mon espace; the
instructor accepts with a message; the citizen sees the decision and the message.
"""

import re

import pytest
from django.core import mail
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from demandes.models import Request
from demo.records import Counts
from grc.models import Citizen, Membership
from portal.demo.home import seed_portal_pages
from portal.models import ProcedureIndexPage
from tests.browser.conftest import FLUSHABLE_APPS, log_in, page_turn
from tests.browser.test_portal_a11y import _axe
from tests.dossier_unique.factories import PDF_BYTES
from tests.factories import MembershipFactory, TeamFactory
from tests.portal.conftest import ensure_wagtail_root, make_procedure

PASSWORD = "motdepasse-solide-42"
PDF = PDF_BYTES
FIELDS = [
    ("Nom de l'élève", "singleline", True, "", "", 10),
    ("Classe à la rentrée", "dropdown", True, "Collège\nLycée", "", 10),
    ("Notification de la MDPH", "file", True, "", "pdf,png", 1),
]


def _field(browser, label):
    """The form control labelled ``label`` (as a person finds it)."""
    element = browser.find_element(By.XPATH, f'//label[starts-with(normalize-space(), "{label}")]')
    return browser.find_element(By.ID, element.get_attribute("for"))


def _click(browser, text):
    """Press the form button ``text`` and wait for the page it submits to."""
    button = browser.find_element(By.XPATH, f'//button[normalize-space()="{text}"]')
    page_turn(browser, button.click)


def _log_in_citizen(browser, live_server, email):
    browser.delete_all_cookies()
    browser.get(f"{live_server.url}/connexion/")
    browser.find_element(By.ID, "id_username").send_keys(email)
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()
    # Wait for the login POST to land before navigating elsewhere (else the next GET races it).
    WebDriverWait(browser, 30).until(lambda b: "/connexion/" not in b.current_url)


def _log_in_agent(browser, live_server, agent):
    browser.delete_all_cookies()
    log_in(browser, live_server, agent)
    WebDriverWait(browser, 30).until(EC.presence_of_element_located((By.LINK_TEXT, "Demandes")))


def _procedure_world():
    """The portal's pages, the school transport team with its instructor and the adapted procedure."""
    ensure_wagtail_root()
    home = seed_portal_pages(counts=Counts())
    catalogue = ProcedureIndexPage(title="Toutes les démarches", slug="demarches")
    home.add_child(instance=catalogue)
    team = TeamFactory(name="Transport scolaire adapté", code="transport-scolaire-adapte", kind="transport")
    agent = MembershipFactory(team=team, role=Membership.Role.INSTRUCTOR).user
    procedure = make_procedure(
        catalogue,
        slug="transport-scolaire-adapte",
        title="Transport scolaire adapté",
        team=team,
        fields=FIELDS,
        service_level_days=30,
        required_assurance_level=Citizen.Assurance.EMAIL_VERIFIED,
    )
    return team, agent, procedure


def _sign_up_and_verify(browser, live_server, wait, email):
    """Step 1: sign up, then verify the address with the link of the e-mail."""
    browser.get(f"{live_server.url}/compte/inscription/")
    _field(browser, "Adresse électronique").send_keys(email)
    browser.find_element(By.ID, "id_password1").send_keys(PASSWORD)
    browser.find_element(By.ID, "id_password2").send_keys(PASSWORD)
    browser.find_element(By.ID, "id_birth_name").send_keys("Le Goff")
    browser.find_element(By.ID, "id_first_names").send_keys("Maëlle")
    browser.execute_script("arguments[0].value = '1984-05-12'", browser.find_element(By.ID, "id_birth_date"))
    if browser.find_elements(By.ID, "id_birth_place"):
        browser.find_element(By.ID, "id_birth_place").send_keys("Rennes")
    browser.find_element(By.ID, "id_terms").click()
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait.until(lambda b: "/inscription/envoyee/" in b.current_url)
    link = next(
        match.group(0)
        for message in mail.outbox
        if email in message.to
        for match in [re.search(r"https?://\S+/compte/verification/[^/\s]+/", message.body)]
        if match
    )
    browser.get(live_server.url + link[link.index("/compte/") :])
    _click(browser, "Confirmer mon adresse")
    wait.until(lambda b: "/connexion/" in b.current_url)


def _file_request(browser, live_server, wait, *, email, procedure, team, notification):
    """Step 2: log in and file the request with its attachment (form, review, submission)."""
    _log_in_citizen(browser, live_server, email)
    browser.get(f"{live_server.url}{procedure.url}")
    _field(browser, "Nom de l'élève").send_keys("Le Goff Titouan")
    Select(_field(browser, "Classe à la rentrée")).select_by_visible_text("Collège")
    _field(browser, "Notification de la MDPH").send_keys(str(notification))
    browser.find_element(By.CSS_SELECTOR, "button[value=review]").click()
    wait.until(lambda b: "/verification/" in b.current_url)
    _click(browser, "Déposer ma demande")
    code = wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".tracking-code"))).text.strip()
    request = Request.objects.get(tracking_code=code)
    assert (request.status, request.team_id, request.channel) == ("submitted", team.pk, "web")
    assert request.attachments.get().original_name == "notification-mdph.pdf"
    assert any(code in m.subject and m.attachments for m in mail.outbox)  # acknowledgement with its PDF
    return request


def _agent_asks_for_a_document(browser, live_server, wait, *, agent, request, violations):
    """Step 3: the instructor (password + second factor) finds it in the team's queue and asks for a document."""
    _log_in_agent(browser, live_server, agent)
    wait.until(EC.element_to_be_clickable((By.LINK_TEXT, "Demandes"))).click()
    wait.until(EC.element_to_be_clickable((By.LINK_TEXT, request.tracking_code))).click()
    wait.until(EC.text_to_be_present_in_element((By.TAG_NAME, "main"), "Le Goff Titouan"))
    assert "notification-mdph.pdf" in browser.page_source
    violations["instruction"] = _axe(browser)
    browser.find_element(By.XPATH, '//summary[normalize-space()="Demander des compléments à l\'usager"]').click()
    browser.find_element(By.ID, "id_ask-missing_items").send_keys("Certificat de scolarité 2026-2027")
    browser.find_element(By.ID, "id_ask-message").send_keys("Bonjour, merci de nous envoyer le certificat.")
    _click(browser, "Envoyer la demande de compléments")
    wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".messages"), "compléments"))
    request.refresh_from_db()
    assert request.status == "awaiting_citizen"


def _citizen_sends_the_document(browser, live_server, wait, *, email, request, certificate, violations):
    """Step 4: the citizen sends the missing document from Mon espace."""
    _log_in_citizen(browser, live_server, email)
    browser.get(f"{live_server.url}/mon-espace/")
    wait.until(EC.element_to_be_clickable((By.LINK_TEXT, "Transport scolaire adapté"))).click()
    wait.until(EC.text_to_be_present_in_element((By.TAG_NAME, "main"), "Certificat de scolarité 2026-2027"))
    assert "Bonjour, merci de nous envoyer le certificat." in browser.page_source
    violations["mon espace, demande"] = _axe(browser)
    browser.find_element(By.ID, "id_answer-files").send_keys(str(certificate))
    browser.find_element(By.ID, "id_answer-message").send_keys("Voici le certificat.")
    _click(browser, "Envoyer les compléments")
    wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".messages"), "compléments ont été transmis"))
    request.refresh_from_db()
    assert request.status == "in_review"


def _agent_writes_and_accepts(browser, live_server, wait, *, agent, request):
    """Step 5: the instructor sends a message and accepts."""
    _log_in_agent(browser, live_server, agent)
    browser.get(f"{live_server.url}/backoffice/demandes/{request.tracking_code}/")
    wait.until(EC.text_to_be_present_in_element((By.TAG_NAME, "main"), "certificat-scolarite.pdf"))
    browser.find_element(By.ID, "id_msg-body").send_keys("Le transport commencera le 1er septembre.")
    _click(browser, "Envoyer le message")
    wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".messages"), "Message envoyé"))
    browser.find_element(By.XPATH, "//summary[normalize-space()='Accepter']").click()
    browser.find_element(By.ID, "id_accept-reason").send_keys("Prise en charge accordée pour l'année scolaire.")
    _click(browser, "Accepter la demande")
    wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".messages"), "acceptée"))
    request.refresh_from_db()
    assert request.status == "accepted"


def _citizen_sees_the_decision(browser, live_server, wait, *, email, agent, code, violations):
    """Step 6: the citizen sees the decision, its reason and the message; the e-mails said nothing more."""
    _log_in_citizen(browser, live_server, email)
    browser.get(f"{live_server.url}/mon-espace/demandes/{code}/")
    status = wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".request-status"))).text
    assert status == "Acceptée"
    main = browser.find_element(By.TAG_NAME, "main").text
    assert "Prise en charge accordée pour l'année scolaire." in main
    assert "Le transport commencera le 1er septembre." in main
    browser.get(f"{live_server.url}/mon-espace/acces-a-mes-donnees/")
    access_list = browser.find_element(By.TAG_NAME, "main").text
    assert "Transport scolaire adapté (Agent instructeur)" in access_list
    assert agent.last_name not in access_list
    violations["accès à mes données"] = _axe(browser)
    assert not {page: found for page, found in violations.items() if found}, violations
    notices = [m for m in mail.outbox if email in m.to and code in m.subject]
    assert any("décision" in m.subject for m in notices)
    assert all("1er septembre" not in m.body and "Prise en charge" not in m.body for m in notices)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, available_apps=FLUSHABLE_APPS)
def test_citizen_files_agent_asks_citizen_answers_agent_accepts(live_server, browser, tmp_path):
    team, agent, procedure = _procedure_world()
    notification = tmp_path / "notification-mdph.pdf"
    notification.write_bytes(PDF)
    certificate = tmp_path / "certificat-scolarite.pdf"
    certificate.write_bytes(PDF)
    wait = WebDriverWait(browser, 30)
    email = "maelle.le-goff@example.org"
    violations = {}

    _sign_up_and_verify(browser, live_server, wait, email)
    request = _file_request(
        browser, live_server, wait, email=email, procedure=procedure, team=team, notification=notification
    )
    _agent_asks_for_a_document(browser, live_server, wait, agent=agent, request=request, violations=violations)
    _citizen_sends_the_document(
        browser, live_server, wait, email=email, request=request, certificate=certificate, violations=violations
    )
    _agent_writes_and_accepts(browser, live_server, wait, agent=agent, request=request)
    _citizen_sees_the_decision(
        browser, live_server, wait, email=email, agent=agent, code=request.tracking_code, violations=violations
    )
