"""A citizen's session key changes when their second factor is passed, not only at the password."""

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.factories import PASSWORD, portal_account

pytestmark = pytest.mark.django_db


def _code(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_citizen_totp_verification_gives_the_session_a_new_key(client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    user = portal_account()
    device = TOTPDevice.objects.create(user=user, name="téléphone", confirmed=True)
    client.post("/connexion/", {"username": user.email, "password": PASSWORD})
    before = client.cookies[settings.SESSION_COOKIE_NAME].value

    ok = client.post("/compte/double-authentification/verifier/", {"token": _code(device), "next": "/compte/"})

    assert ok["Location"] == "/compte/"
    assert client.cookies[settings.SESSION_COOKIE_NAME].value != before
    assert client.get("/compte/").status_code == 200
    stale = Client()
    stale.cookies[settings.SESSION_COOKIE_NAME] = before
    assert stale.get("/compte/").status_code == 302  # the old id no longer reaches the account
