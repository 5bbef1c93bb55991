"""Through a live server with a real HTTP client (cookies, CSRF): a functional admin logs in with their second
factor, builds and publishes a procedure in the Wagtail admin; anonymous visitors see it at once (the page
cache is emptied on publish) while a logged-in citizen's pages are never the cached ones; the citizen files."""

import re

import pytest
import requests
from bs4 import BeautifulSoup
from django.core.cache import caches
from django.test import Client

from demandes.models import Request
from demo.records import Counts
from grc.models import Citizen, Membership
from grc.services.otp import otp_backup_codes_create
from portal.cache import CACHE_ALIAS, HIT_HEADER
from portal.demo.home import seed_portal_pages
from portal.models import ProcedureIndexPage, ProcedurePage
from tests.browser.conftest import FLUSHABLE_APPS
from tests.factories import CitizenFactory, MembershipFactory, TeamFactory, UserFactory

from .conftest import ensure_wagtail_root

PASSWORD = "motdepasse-solide-42"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _form_data(html: str, form_id: str) -> dict:
    """What a browser would send from the form as it stands (hidden values, defaults, selected options)."""
    form = BeautifulSoup(html, "html.parser").find("form", id=form_id)
    data = {}
    for element in form.find_all(["input", "select", "textarea"]):
        name = element.get("name")
        if not name or "__prefix__" in name or element.get("type") in ("submit", "button", "file"):
            continue
        if element.name == "select":
            option = element.find("option", selected=True) or element.find("option")
            data[name] = option.get("value", "") if option else ""
        elif element.name == "textarea":
            data[name] = element.text
        elif element.get("type") in ("checkbox", "radio"):
            if element.has_attr("checked"):
                data[name] = element.get("value", "on")
        else:
            data[name] = element.get("value", "")
    return data


def _log_in_agent(base: str, user) -> requests.Session:
    """Password, then a backup code at the second-factor step, as staff do."""
    code = otp_backup_codes_create(user=user)[0]
    session = requests.Session()
    page = session.get(f"{base}/connexion/", timeout=30)
    token = CSRF.search(page.text).group(1)
    otp = session.post(
        f"{base}/connexion/",
        data={"username": user.email, "password": PASSWORD, "csrfmiddlewaretoken": token},
        timeout=30,
    )
    assert "token" in otp.text, otp.url
    done = session.post(
        otp.url, data={"token": code, "csrfmiddlewaretoken": CSRF.search(otp.text).group(1)}, timeout=30
    )
    assert done.status_code == 200 and "/connexion/" not in done.url
    return session


def _field_row(index: int, label: str, kind: str, **extra) -> dict:
    prefix = f"form_fields-{index}-"
    row = {"label": label, "field_type": kind, "required": "on", "choices": "", "default_value": "", "help_text": ""}
    row.update({"accepted_types": "pdf", "max_size_mb": "5", "step": "1", "step_title": "", "prefill": ""})
    row.update({"condition_field": "", "condition_value": "", "ORDER": str(index + 1), "id": ""})
    row.update(extra)
    return {prefix + key: value for key, value in row.items() if value is not None}


@pytest.mark.django_db(transaction=True, available_apps=FLUSHABLE_APPS)
def test_functional_admin_builds_and_publishes_a_procedure_that_a_citizen_files(live_server, settings):
    settings.PORTAL_PAGE_CACHE_SECONDS = 300
    caches[CACHE_ALIAS].clear()
    base = live_server.url
    ensure_wagtail_root()
    home = seed_portal_pages(counts=Counts())
    catalogue = home.add_child(instance=ProcedureIndexPage(title="Toutes les démarches", slug="demarches"))
    team = TeamFactory(name="Subventions culture et sport", code="subventions")
    admin = MembershipFactory(role=Membership.Role.FUNCTIONAL_ADMIN, user=UserFactory(staff=True)).user

    anonymous = requests.Session()
    assert anonymous.get(f"{base}/demarches/", timeout=30).headers[HIT_HEADER] == "miss"
    assert anonymous.get(f"{base}/demarches/", timeout=30).headers[HIT_HEADER] == "hit"

    editor = _log_in_agent(base, admin)
    add_url = f"{base}/cms/pages/add/portal/procedurepage/{catalogue.pk}/"
    data = _form_data(editor.get(add_url, timeout=30).text, "page-edit-form")
    data.update(
        {
            "title": "Aide aux festivals",
            "slug": "aide-aux-festivals",
            "summary": "Une subvention pour les festivals du département.",
            "destination_team": str(team.pk),
            "service_level_days": "45",
            "required_assurance_level": "1",
            "is_open": "on",
            "form_fields-TOTAL_FORMS": "2",
            "documents_to_provide-count": "0",
            "action-publish": "action-publish",
        }
    )
    data.update(_field_row(0, "Nom du festival", "singleline", step_title="Le projet"))
    data.update(_field_row(1, "Montant demandé", "number", step="2", step_title="Le budget"))
    published = editor.post(add_url, data=data, timeout=60)
    assert published.status_code == 200 and published.url != add_url, published.text[:3000]
    page = ProcedurePage.objects.get(slug="aide-aux-festivals")
    assert page.live and page.owner_id == admin.pk and page.destination_team_id == team.pk
    assert [f.step for f in page.form_fields.all()] == [1, 2]

    # Anonymous visitors see the new procedure at once: publishing emptied the cache.
    listed = anonymous.get(f"{base}/demarches/", timeout=30)
    assert listed.headers[HIT_HEADER] == "miss" and "Aide aux festivals" in listed.text
    public = anonymous.get(f"{base}/demarches/aide-aux-festivals/", timeout=30)
    assert "Étape 2 sur 2" not in public.text and "Se connecter" in public.text

    # A citizen files it; their page is theirs (private, never the cached one).
    citizen_user = UserFactory(citizen_account=True)
    CitizenFactory(user=citizen_user, assurance_level=Citizen.Assurance.EMAIL_VERIFIED)
    client = Client()
    client.force_login(citizen_user)
    filer = requests.Session()
    filer.cookies.update({k: v.value for k, v in client.cookies.items()})
    form_page = filer.get(f"{base}/demarches/aide-aux-festivals/", timeout=30)
    assert HIT_HEADER not in form_page.headers and "private" in form_page.headers["Cache-Control"]
    # One step per page (portal/steps.py), walked through with a plain HTTP client.
    assert "Étape 1 sur 2 : Le projet" in form_page.text and "Étape 2 sur 2" not in form_page.text
    token = CSRF.search(form_page.text).group(1)
    step1 = {"nom_du_festival": "Les Tombées de la nuit", "_etape": "1", "action": "next"}
    step1["csrfmiddlewaretoken"] = token
    step2 = filer.post(f"{base}/demarches/aide-aux-festivals/", data=step1, timeout=30)
    assert step2.url.endswith("?etape=2") and "Étape 2 sur 2 : Le budget" in step2.text
    answers = {"montant_demande": "12000", "_etape": "2", "csrfmiddlewaretoken": CSRF.search(step2.text).group(1)}
    review = filer.post(f"{base}/demarches/aide-aux-festivals/", data={**answers, "action": "review"}, timeout=30)
    assert review.url.endswith("/verification/") and "Les Tombées de la nuit" in review.text
    filed = filer.post(review.url, data={"csrfmiddlewaretoken": CSRF.search(review.text).group(1)}, timeout=30)
    assert "/confirmation/" in filed.url
    request = Request.objects.get(account=citizen_user)
    assert request.status == Request.Status.SUBMITTED and request.team_id == team.pk
    assert request.answers == {"nom_du_festival": "Les Tombées de la nuit", "montant_demande": "12000"}
    assert anonymous.get(f"{base}/demarches/aide-aux-festivals/", timeout=30).headers[HIT_HEADER] == "hit"
