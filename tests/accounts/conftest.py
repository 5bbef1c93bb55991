"""A real OpenID Connect provider (npm ``oidc-provider``) started for the OIDC tests, and its helpers."""

import json
import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests
from joserfc.jwk import RSAKey

SERVER = Path(__file__).parent / "oidc_provider" / "server.mjs"
CLIENT_ID = "grc-portail"
CLIENT_SECRET = "secret-de-test-du-portail"  # noqa: S105
REDIRECT_URI = "http://testserver/compte/franceconnect/retour/"
POST_LOGOUT_URI = "http://testserver/compte/franceconnect/deconnexion/"

ACCOUNTS = {
    "marie": {
        "password": "fc-pass",
        "claims": {
            "sub": "fc-sub-marie-0001",
            "given_name": "Marie Thérèse",
            "family_name": "Le Goff",
            "preferred_username": "Kervella",
            "birthdate": "1971-09-23",
            "birthplace": "29019",
            "birthcountry": "99100",
            "gender": "female",
            "email": "marie.legoff@fc.example",
        },
    },
    "paul": {
        "password": "fc-pass",
        "claims": {
            "sub": "fc-sub-paul-0002",
            "given_name": "Paul",
            "family_name": "Martin",
            "birthdate": "1988-01-30",
            "birthplace": "35238",
            "birthcountry": "99100",
            "gender": "male",
            "email": "paul.martin@fc.example",
        },
    },
}


# The provider's signing key, made here so that tests can also forge tokens with the genuine key.
PROVIDER_KEY = RSAKey.generate_key(2048, parameters={"kid": "test-rs256", "alg": "RS256", "use": "sig"})


@pytest.fixture
def mails_on_commit(monkeypatch):
    """E-mails leave on commit; a test runs inside one transaction, so send them at once."""
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def oidc_provider():
    """The provider's issuer URL; the node process lives for the test session."""
    node = shutil.which("node")
    if node is None or not (Path(__file__).resolve().parents[2] / "node_modules" / "oidc-provider").exists():
        pytest.fail("node and the oidc-provider npm package are needed: run `npm ci`")
    port = _free_port()
    env = {
        **os.environ,
        "OIDC_TEST_PORT": str(port),
        "OIDC_TEST_CLIENT_ID": CLIENT_ID,
        "OIDC_TEST_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_TEST_REDIRECT_URI": REDIRECT_URI,
        "OIDC_TEST_POST_LOGOUT_URI": POST_LOGOUT_URI,
        "OIDC_TEST_ACCOUNTS": json.dumps(ACCOUNTS),
        "OIDC_TEST_JWK": json.dumps(PROVIDER_KEY.as_dict(private=True)),
    }
    process = subprocess.Popen(  # noqa: S603
        [node, str(SERVER)], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        line = process.stdout.readline()
        if not line.startswith("READY "):
            pytest.fail(f"the OIDC provider did not start: {line!r}")
        issuer = line.split(" ", 1)[1].strip()
        deadline = time.monotonic() + 10
        while True:
            try:
                requests.get(f"{issuer}/.well-known/openid-configuration", timeout=2).raise_for_status()
                break
            except requests.RequestException:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield issuer
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()


@pytest.fixture
def oidc_settings(settings, oidc_provider):
    settings.OIDC_ISSUER = oidc_provider
    settings.OIDC_DISCOVERY_URL = ""
    settings.OIDC_CLIENT_ID = CLIENT_ID
    settings.OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_ACR_VALUES = "eidas1"
    settings.OIDC_LOGOUT = True
    return settings


_FORM_ACTION = re.compile(r'<form[^>]* action="([^"]+)"')


class ProviderBrowser:
    """The citizen's side at the provider: a cookie-keeping HTTP session that logs in and consents."""

    def __init__(self, issuer):
        self.issuer = issuer
        self.http = requests.Session()

    def _follow(self, response):
        """Follow redirects inside the provider; stop at the first one leaving it (our callback)."""
        while response.is_redirect:
            location = urljoin(response.url, response.headers["Location"])
            if not location.startswith(self.issuer):
                return location
            response = self.http.get(location, allow_redirects=False, timeout=10)
        return response

    def open(self, authorize_url):
        response = self._follow(self.http.get(authorize_url, allow_redirects=False, timeout=10))
        assert not isinstance(response, str), "the provider skipped its login page"
        return response

    def submit(self, page, data=None):
        action = _FORM_ACTION.search(page.text).group(1)
        return self._follow(
            self.http.post(urljoin(page.url, action), data=data or {}, allow_redirects=False, timeout=10)
        )

    def log_in_and_consent(self, authorize_url, login="marie", password="fc-pass"):  # noqa: S107
        """Returns the callback URL the provider sends the citizen back to."""
        page = self.open(authorize_url)
        assert "Connexion" in page.text
        consent = self.submit(page, {"login": login, "password": password})
        if isinstance(consent, str):
            return consent  # consent already given in this provider session
        assert "Autoriser" in consent.text
        callback = self.submit(consent)
        assert isinstance(callback, str), "the provider did not redirect back"
        return callback
