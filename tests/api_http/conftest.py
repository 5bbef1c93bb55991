"""The API as the outside world reaches it: a live server, a real HTTP client (httpx), and the two kinds of
caller a real deployment has — a service account's bearer token made by ``manage.py create_api_token``,
and a staff member who logged in through the login page and the second-factor form, writing with the
``csrftoken`` cookie in ``X-CSRFToken`` as the back office's JavaScript does.

Django's test client skips CSRF and the WSGI stack: it passed while every token write answered 403.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import re
from dataclasses import dataclass

import httpx
import pytest
from django.apps import apps
from django.core.management import call_command

from dossier_unique import services as dsu
from dossier_unique.models import Note, Visibility
from grc.models import Membership, Team
from grc.services.otp import otp_backup_codes_create
from tests.dossier_unique.factories import open_file, pdf_upload
from tests.factories import CitizenFactory, MembershipFactory, TeamFactory, UserFactory
from tests.requests.factories import filed_request

# live_server needs a transactional database, flushed after each test; the access log refuses TRUNCATE
# by design, so it stays out of the flushed apps.
FLUSHABLE_APPS = [config.name for config in apps.get_app_configs() if config.label != "audit"]

PASSWORD = "motdepasse-solide-42"
# The roles the callers hold, the same for a token and a person, so both modes reach every operation:
# team manager of the team that follows the file and handles the request (reads, writes, merges), and
# mailroom agent (scans).
CALLER_ROLES = ((Membership.Role.TEAM_MANAGER, "team"), (Membership.Role.MAILROOM_AGENT, "mail_team"))
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class World:
    team: Team
    mail_team: Team
    citizen: object
    file: object
    note: object
    document: object
    request: object


@pytest.fixture
def world():
    """A CDAS team following a citizen's social file (a note, a document), a request it handles, the mailroom."""
    team = TeamFactory(name="PMI — CDAS Vitré")
    mail_team = TeamFactory(name="Courrier", code="courrier-http", kind=Team.Kind.MAIL)
    worker = MembershipFactory(team=team, role=Membership.Role.SOCIAL_WORKER).user
    citizen = CitizenFactory(birth_name="Le Goff", first_names="Jean-Pierre", birth_date=datetime.date(1985, 3, 12))
    file, accompaniment = open_file(citizen=citizen, team=team, actor=worker, referent=worker)
    note = dsu.note_write(
        file=file,
        author=worker,
        text="Rendez-vous pris avec la caisse d'allocations familiales.",
        kind=Note.Kind.ENTRETIEN,
        visibility=Visibility.FILE,
        accompaniment=accompaniment,
    )
    document = dsu.document_add(
        file=file, upload=pdf_upload(), actor=worker, doc_type="ressources", accompaniment=accompaniment
    )
    request = filed_request(team=team, answers={"ecole": "Collège Anne de Bretagne"})
    return World(team, mail_team, citizen, file, note, document, request)


def api_token(world: World, email: str = "poste-numerisation@example.org") -> str:
    """A bearer token made by the real command, the way an administrator gives one to a partner system."""
    raw = ""
    for role, team_attribute in CALLER_ROLES:
        out = io.StringIO()
        call_command(
            "create_api_token",
            email=email,
            name="Contrat HTTP",
            team=getattr(world, team_attribute).code,
            role=role,
            stdout=out,
        )
        raw = out.getvalue().strip().splitlines()[-1]
    return raw


def staff_person(world: World):
    """A person holding the same roles as the token's service account."""
    user = UserFactory(staff=True)
    for role, team_attribute in CALLER_ROLES:
        MembershipFactory(user=user, team=getattr(world, team_attribute), role=role)
    return user


def _csrf_field(html: str) -> str:
    match = _CSRF_INPUT.search(html)
    assert match, "no CSRF field in the form"
    return match.group(1)


@contextlib.contextmanager
def browser_session(base_url: str, user, password: str = PASSWORD):
    """An httpx client logged in as a person does it: login page, password, then a backup code at the
    second-factor form. Its writes carry the ``csrftoken`` cookie in ``X-CSRFToken`` (see ``send``)."""
    code = otp_backup_codes_create(user=user)[0]
    with httpx.Client(base_url=base_url, follow_redirects=True, timeout=60) as client:
        yield _logged_in(client, user, password, code)


def _logged_in(client: httpx.Client, user, password: str, code: str) -> httpx.Client:
    login = client.get("/connexion/")
    assert login.status_code == 200
    second_factor = client.post(
        "/connexion/",
        data={"csrfmiddlewaretoken": _csrf_field(login.text), "username": user.email, "password": password},
    )
    assert second_factor.status_code == 200
    assert 'name="token"' in second_factor.text, "the password did not lead to the second-factor form"
    landed = client.post(
        second_factor.url, data={"csrfmiddlewaretoken": _csrf_field(second_factor.text), "token": code}
    )
    assert landed.status_code == 200
    assert 'name="token"' not in landed.text, "the backup code was refused"
    return client


def token_client(base_url: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60)


def send(client: httpx.Client, method: str, url: str, **kwargs) -> httpx.Response:
    """One API call; a browser session's write carries its CSRF cookie in ``X-CSRFToken``."""
    headers = dict(kwargs.pop("headers", {}))
    csrf = client.cookies.get("csrftoken")
    if method in UNSAFE_METHODS and csrf and "Authorization" not in client.headers:
        headers["X-CSRFToken"] = csrf
    return client.request(method, url, headers=headers, **kwargs)
