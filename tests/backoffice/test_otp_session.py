"""The session key changes when the second factor is passed, not only at the password."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from grc.services.otp import otp_backup_codes_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "motdepasse-solide-42"


def _session_id(client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _client_with_session(session_id: str) -> Client:
    """Another browser presenting a session id it got hold of (fixation, a shared computer)."""
    other = Client()
    other.cookies[settings.SESSION_COOKIE_NAME] = session_id
    return other


def test_backup_code_verification_gives_the_session_a_new_key(client):
    user = UserFactory(staff=True)
    codes = otp_backup_codes_create(user=user)
    client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    before = _session_id(client)

    response = client.post(reverse("backoffice:otp_verify"), {"token": codes[0], "next": "/backoffice/"})

    assert response.status_code == 302
    after = _session_id(client)
    assert after != before
    assert client.get("/backoffice/").status_code == 200  # the new key carries the verified login
    stale = _client_with_session(before).get("/backoffice/")
    assert stale.status_code == 302
    assert stale.url.startswith(reverse("login"))  # the old id is no session at all any more


def test_totp_enrolment_gives_the_session_a_new_key(client):
    user = UserFactory(staff=True)
    client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    client.get(reverse("backoffice:otp_setup"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    before = _session_id(client)

    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    client.post(reverse("backoffice:otp_setup"), {"token": code, "next": "/backoffice/"})

    assert _session_id(client) != before
    assert client.get("/backoffice/").status_code == 200
    assert _client_with_session(before).get("/backoffice/").status_code == 302


def test_wrong_code_keeps_the_session_key(client):
    user = UserFactory(staff=True)
    otp_backup_codes_create(user=user)
    client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    before = _session_id(client)
    response = client.post(reverse("backoffice:otp_verify"), {"token": "00000000"})
    assert "Code incorrect" in response.content.decode()
    assert _session_id(client) == before
