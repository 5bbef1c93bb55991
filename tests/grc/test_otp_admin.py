"""No admin page shows a second-factor secret (TOTP key, QR code, backup codes); devices can only be reset."""

import base64

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from grc.models import Membership
from grc.services.otp import otp_backup_codes_create, otp_totp_start
from tests.factories import MembershipFactory, UserFactory, verify_otp

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user():
    return MembershipFactory(
        role=Membership.Role.FUNCTIONAL_ADMIN, user=UserFactory(staff=True, is_superuser=True)
    ).user


@pytest.fixture
def enrolled_agent():
    """A social worker with a TOTP device and ten backup codes, as the enrolment leaves them."""
    agent = MembershipFactory(user=UserFactory(staff=True, first_name="Gwenaëlle", last_name="Riou")).user
    totp = otp_totp_start(user=agent)
    TOTPDevice.objects.filter(pk=totp.pk).update(confirmed=True)
    codes = otp_backup_codes_create(user=agent)
    return (
        agent,
        TOTPDevice.objects.get(pk=totp.pk),
        StaticDevice.objects.get(user=agent, name="Codes de secours"),
        codes,
    )


def secrets_of(totp: TOTPDevice, codes: list[str]) -> list[str]:
    key = bytes.fromhex(totp.key)
    return [
        totp.key,
        totp.key.upper(),
        base64.b32encode(key).decode(),
        base64.b32encode(key).decode().rstrip("="),
        *codes,
    ]


def admin_pages(agent, totp, static) -> list[str]:
    return [
        "/django-admin/",
        "/django-admin/otp_totp/totpdevice/",
        f"/django-admin/otp_totp/totpdevice/?q={agent.email}",
        f"/django-admin/otp_totp/totpdevice/{totp.pk}/change/",
        "/django-admin/otp_static/staticdevice/",
        f"/django-admin/otp_static/staticdevice/{static.pk}/change/",
        "/cms/users/",
        reverse("wagtailusers_users:edit", args=[agent.pk]),
        reverse("wagtailusers_users:history", args=[agent.pk]),
    ]


def test_no_admin_page_shows_the_totp_key_or_a_backup_code(admin_user, enrolled_agent):
    agent, totp, static, codes = enrolled_agent
    client = verify_otp(Client(), admin_user)
    checked = 0

    for url in admin_pages(agent, totp, static):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        page = response.content.decode()
        for secret in secrets_of(totp, codes):
            assert secret not in page, (url, "shows a second-factor secret")
        checked += 1
    assert checked == 9
    # The device pages exist and name the agent, without the secret.
    assert str(agent) in client.get(f"/django-admin/otp_totp/totpdevice/{totp.pk}/change/").content.decode()


def test_django_otp_qr_code_and_configuration_pages_are_gone(admin_user, enrolled_agent):
    agent, totp, static, _codes = enrolled_agent
    client = verify_otp(Client(), admin_user)

    for url in (
        f"/django-admin/otp_totp/totpdevice/{totp.pk}/config/",
        f"/django-admin/otp_totp/totpdevice/{totp.pk}/qrcode/",
    ):
        response = client.get(url, follow=True)
        assert totp.key not in response.content.decode()
        assert response.headers.get("Content-Type", "").startswith("text/html")
    assert client.get("/django-admin/otp_totp/totpdevice/add/").status_code == 403
    assert client.get(f"/django-admin/otp_static/staticdevice/{static.pk}/delete/").status_code == 403
    assert client.post(f"/django-admin/otp_totp/totpdevice/{totp.pk}/change/", {"key": "00" * 20}).status_code == 403
    assert TOTPDevice.objects.get(pk=totp.pk).key == totp.key


def test_reset_removes_the_device_and_the_agent_history_says_who(admin_user, enrolled_agent):
    agent, totp, static, codes = enrolled_agent
    client = verify_otp(Client(), admin_user)

    response = client.post(
        "/django-admin/otp_static/staticdevice/", {"action": "reset", "_selected_action": [static.pk]}, follow=True
    )

    assert response.status_code == 200
    assert "1 dispositif réinitialisé" in response.content.decode()
    for code in codes:
        assert code not in response.content.decode()
    assert not StaticDevice.objects.filter(pk=static.pk).exists()
    assert TOTPDevice.objects.filter(pk=totp.pk).exists()
    record = agent.history.latest()
    assert record.history_user == admin_user
    assert "double authentification réinitialisée (codes de secours)" in record.history_change_reason


def test_staff_without_admin_rights_cannot_list_devices(enrolled_agent):
    agent, _totp, _static, _codes = enrolled_agent
    client = verify_otp(Client(), agent)

    assert client.get("/django-admin/otp_totp/totpdevice/").status_code == 403
