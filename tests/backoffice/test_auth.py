import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from grc.services.otp import otp_backup_codes_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "motdepasse-solide-42"


def _login(client, user, password=PASSWORD):
    return client.post(reverse("login"), {"username": user.email, "password": password})


def test_staff_login_without_device_goes_to_enrolment_then_backup_codes(client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # retry at once after the deliberate wrong code
    user = UserFactory(staff=True)
    _login(client, user)
    response = client.get("/backoffice/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("backoffice:otp_setup"))

    page = client.get(reverse("backoffice:otp_setup"))
    assert page.status_code == 200
    assert "data:image/svg+xml" in page.content.decode()  # the QR code
    device = TOTPDevice.objects.get(user=user, confirmed=False)

    wrong = client.post(reverse("backoffice:otp_setup"), {"token": "000000"})
    assert "Code incorrect" in wrong.content.decode()

    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    done = client.post(reverse("backoffice:otp_setup"), {"token": code, "next": "/backoffice/"})
    assert done.status_code == 200
    assert StaticDevice.objects.get(user=user).token_set.count() == 10
    assert client.get("/backoffice/").status_code == 200


def test_backup_code_passes_second_factor_once(client):
    user = UserFactory(staff=True)
    codes = otp_backup_codes_create(user=user)
    _login(client, user)
    assert client.get("/backoffice/").url.startswith(reverse("backoffice:otp_verify"))
    response = client.post(reverse("backoffice:otp_verify"), {"token": codes[0], "next": "/backoffice/"})
    assert response.status_code == 302
    assert client.get("/backoffice/").status_code == 200

    client.post(reverse("logout"))
    _login(client, user)
    reused = client.post(reverse("backoffice:otp_verify"), {"token": codes[0]})
    assert "Code incorrect" in reused.content.decode()


def test_offsite_next_is_ignored_after_verification(client):
    user = UserFactory(staff=True)
    codes = otp_backup_codes_create(user=user)
    _login(client, user)
    response = client.post(reverse("backoffice:otp_verify"), {"token": codes[0], "next": "https://evil.example/"})
    assert response.url == "/backoffice/"


def test_citizen_account_gets_403_in_back_office(client, citizen_user):
    _login(client, citizen_user)
    assert client.get("/backoffice/").status_code == 403


def test_lockout_after_repeated_failures(client, settings):
    user = UserFactory(staff=True)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, user, password="mauvais-mot-de-passe")
    response = _login(client, user)
    assert response.status_code == 429
    assert "temporairement bloqué" in response.content.decode()


def test_wrong_password_says_so_in_french(client):
    user = UserFactory(staff=True)
    response = _login(client, user, password="faux")
    assert "Adresse électronique ou mot de passe incorrect." in response.content.decode()


def test_staff_session_expires_after_idle_time(staff_client, settings):
    assert staff_client.get("/backoffice/").status_code == 200
    session = staff_client.session
    session["_grc_last_seen"] -= settings.STAFF_SESSION_IDLE_SECONDS + 1
    session.save()
    response = staff_client.get("/backoffice/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_staff_session_has_a_maximum_age(staff_client, settings):
    staff_client.get("/backoffice/")
    session = staff_client.session
    session["_grc_login_at"] -= settings.STAFF_SESSION_MAX_SECONDS + 1
    session.save()
    assert staff_client.get("/backoffice/").status_code == 302


def test_service_account_cannot_log_in_interactively(client):
    user = UserFactory(staff=True, is_service_account=True)
    response = _login(client, user)
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated


def test_pages_carry_a_content_security_policy(client):
    response = client.get(reverse("login"))
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Request-ID"]


def test_staff_last_seen_is_refreshed_at_most_once_a_minute(staff_client):
    staff_client.get("/backoffice/")
    first = staff_client.session["_grc_last_seen"]
    staff_client.get("/backoffice/")
    assert staff_client.session["_grc_last_seen"] == first  # no session write on every request

    session = staff_client.session
    session["_grc_last_seen"] -= 61
    session.save()
    staff_client.get("/backoffice/")
    assert staff_client.session["_grc_last_seen"] >= first  # refreshed after a minute
