"""Citizen login and logout, password reset, optional TOTP, axes lockout, deletion request."""

import re

import pytest
from django.core import mail
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from grc.models import Citizen
from portal.accounts.models import AccountDeletionRequest
from tests.accounts.factories import PASSWORD, portal_account
from tests.factories import MembershipFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("mails_on_commit")]


def _log_in(client, user, password=PASSWORD):
    return client.post("/connexion/", {"username": user.email, "password": password})


def _code(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


# --- Login and logout -----------------------------------------------------------------------------


def test_citizen_lands_on_mon_espace_and_staff_still_on_the_back_office(client):
    citizen = portal_account()
    assert _log_in(client, citizen)["Location"] == "/mon-espace/"
    client.post("/compte/deconnexion/")
    staff = MembershipFactory().user
    assert _log_in(client, staff, "motdepasse-solide-42")["Location"] == "/backoffice/"


def test_accounts_login_is_the_one_login_page(client):
    response = client.get("/compte/connexion/?next=/compte/")
    assert response.status_code == 302 and response["Location"] == "/connexion/?next=/compte/"
    page = client.get("/connexion/").content.decode()
    assert 'href="/compte/inscription/"' in page and 'href="/compte/mot-de-passe/"' in page


def test_wrong_password_says_so_in_french(client):
    response = _log_in(client, portal_account(), "pas-le-bon")
    assert "Adresse électronique ou mot de passe incorrect." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_ends_the_session(client):
    user = portal_account()
    _log_in(client, user)
    response = client.post("/compte/deconnexion/")
    assert response["Location"] == "/connexion/"
    assert "_auth_user_id" not in client.session
    assert client.get("/compte/").status_code == 302
    assert client.get("/compte/deconnexion/").status_code in (302, 405)


def test_axes_locks_a_citizen_account_after_repeated_failures_and_a_password_reset_lifts_it(client, settings):
    user = portal_account()
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        _log_in(client, user, "mauvais-mot-de-passe")
    locked = _log_in(client, user)  # even the right password
    assert locked.status_code == 429
    assert "Compte temporairement bloqué" in locked.content.decode()
    assert "_auth_user_id" not in client.session

    client.post("/compte/mot-de-passe/", {"email": user.email})
    link = re.search(r"http://testserver(/compte/mot-de-passe/[^\s]+/)", mail.outbox[-1].body).group(1)
    form_url = client.get(link)["Location"]
    client.post(form_url, {"new_password1": "nouveau-mot-de-passe-42", "new_password2": "nouveau-mot-de-passe-42"})
    assert _log_in(client, user, "nouveau-mot-de-passe-42")["Location"] == "/mon-espace/"


# --- Password reset ---------------------------------------------------------------------------------


def test_password_reset_by_email(client):
    user = portal_account(email="reset@example.org")
    response = client.post("/compte/mot-de-passe/", {"email": "reset@example.org"})
    assert response["Location"] == "/compte/mot-de-passe/envoye/"
    assert len(mail.outbox) == 1 and "Nouveau mot de passe" in mail.outbox[0].subject
    link = re.search(r"http://testserver(/compte/mot-de-passe/[^\s]+/)", mail.outbox[0].body).group(1)

    form_url = client.get(link)["Location"]  # Django swaps the token for a session-held one
    page = client.get(form_url).content.decode()
    assert "Choisir un nouveau mot de passe" in page
    mismatch = client.post(form_url, {"new_password1": "nouveau-mot-de-passe-42", "new_password2": "autre-chose-42"})
    assert "Les deux mots de passe ne sont pas identiques." in mismatch.content.decode()
    weak = client.post(form_url, {"new_password1": "court", "new_password2": "court"})
    assert "trop court" in weak.content.decode()
    done = client.post(
        form_url, {"new_password1": "nouveau-mot-de-passe-42", "new_password2": "nouveau-mot-de-passe-42"}
    )
    assert done["Location"] == "/compte/mot-de-passe/termine/"

    assert _log_in(client, user, PASSWORD).status_code == 200  # the old one no longer works
    assert _log_in(client, user, "nouveau-mot-de-passe-42")["Location"] == "/mon-espace/"
    client.post("/compte/deconnexion/")
    assert "n'est pas valide" in client.get(link).content.decode().replace("&#x27;", "'")  # used once


def test_password_reset_reveals_nothing_about_unknown_addresses(client):
    response = client.post("/compte/mot-de-passe/", {"email": "personne@example.org"})
    assert response["Location"] == "/compte/mot-de-passe/envoye/"
    assert not mail.outbox
    bad = client.post("/compte/mot-de-passe/", {"email": "pas une adresse"})
    assert "Saisissez une adresse électronique valide" in bad.content.decode()
    assert 'value="pas une adresse"' in bad.content.decode()


# --- TOTP -----------------------------------------------------------------------------------------------


def test_citizen_enrols_totp_and_gets_backup_codes(client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the wrong code below would otherwise delay the right one
    user = portal_account()
    client.force_login(user)
    page = client.get("/compte/double-authentification/")
    assert page.status_code == 200 and "data:image/svg+xml" in page.content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)

    wrong = client.post("/compte/double-authentification/", {"token": "000000"})
    assert "Code incorrect" in wrong.content.decode()
    response = client.post("/compte/double-authentification/", {"token": _code(device)})

    assert "Vos codes de secours" in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/compte/").status_code == 200  # this session is verified


def test_citizen_with_totp_passes_it_after_the_password(client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # throttling has its own test
    user = portal_account()
    device = TOTPDevice.objects.create(user=user, name="téléphone", confirmed=True)
    _log_in(client, user)

    response = client.get("/compte/")
    assert response.status_code == 302
    assert response["Location"] == "/compte/double-authentification/verifier/?next=/compte/"
    wrong = client.post("/compte/double-authentification/verifier/", {"token": "123456", "next": "/compte/"})
    assert "Code incorrect ou expiré." in wrong.content.decode()
    assert client.get("/compte/").status_code == 302
    ok = client.post("/compte/double-authentification/verifier/", {"token": _code(device), "next": "/compte/"})
    assert ok["Location"] == "/compte/"
    assert client.get("/compte/").status_code == 200


def test_guessing_codes_is_throttled(client):
    user = portal_account()
    device = TOTPDevice.objects.create(user=user, name="téléphone", confirmed=True)
    _log_in(client, user)
    client.post("/compte/double-authentification/verifier/", {"token": "123456"})
    # Right after a wrong guess even the right code is refused for a while (django-otp throttling).
    refused = client.post("/compte/double-authentification/verifier/", {"token": _code(device)})
    assert "Code incorrect ou expiré." in refused.content.decode()
    assert client.get("/compte/").status_code == 302


def test_citizen_without_totp_is_not_asked_for_a_code(client):
    _log_in(client, portal_account())
    assert client.get("/compte/").status_code == 200


def test_citizen_disables_totp_with_their_password(client):
    user = portal_account()
    TOTPDevice.objects.create(user=user, name="téléphone", confirmed=True)
    client.force_login(user)
    session = client.session
    session["_accounts_otp"] = "none"  # as if verified: the view itself is under test
    session.save()
    wrong = client.post("/compte/double-authentification/desactiver/", {"password": "pas-le-bon"})
    assert "Mot de passe incorrect." in wrong.content.decode()
    assert TOTPDevice.objects.filter(user=user).exists()
    client.post("/compte/double-authentification/desactiver/", {"password": PASSWORD})
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_staff_second_factor_is_unchanged(client):
    staff = MembershipFactory().user
    _log_in(client, staff, "motdepasse-solide-42")
    response = client.get("/backoffice/")
    assert response.status_code == 302 and "/backoffice/" in response["Location"]
    assert client.get("/compte/").status_code in (302, 404)


# --- Deletion request -------------------------------------------------------------------------------


def test_deletion_request_is_recorded_and_the_account_deactivated_at_once(client):
    user = portal_account()
    citizen = Citizen.objects.create(birth_name="X", first_names="Y", user=user)
    _log_in(client, user)

    page = client.get("/compte/suppression/")
    assert page.status_code == 200
    missing = client.post("/compte/suppression/", {"reason": "Je déménage", "password": PASSWORD})
    assert "Cochez la case pour confirmer" in missing.content.decode()
    assert "Je déménage" in missing.content.decode()
    wrong = client.post("/compte/suppression/", {"reason": "", "password": "faux", "confirm": "on"})
    assert "Mot de passe incorrect." in wrong.content.decode()

    done = client.post("/compte/suppression/", {"reason": "Je déménage", "password": PASSWORD, "confirm": "on"})
    assert done["Location"] == "/compte/suppression/enregistree/"
    assert "_auth_user_id" not in client.session
    request = AccountDeletionRequest.objects.get()
    assert (request.user, request.email, request.citizen, request.reason, request.status) == (
        user,
        user.email,
        citizen,
        "Je déménage",
        "open",
    )
    user.refresh_from_db()
    assert not user.is_active
    assert request.history.first().history_user_id == user.pk
    assert "_auth_user_id" not in _log_in(client, user).wsgi_request.session


def test_account_pages_need_a_login_and_are_not_for_staff(client):
    for path in ("/compte/", "/compte/suppression/", "/compte/double-authentification/"):
        assert client.get(path)["Location"].startswith("/connexion/")
    client.force_login(UserFactory(staff=True))
    # (staff without a second factor are sent to it first; with one, the citizen pages are 404)
    from tests.factories import verify_otp

    verify_otp(client, UserFactory(staff=True))
    assert client.get("/compte/").status_code == 404


# --- Identity profile -----------------------------------------------------------------------------


def test_account_without_identity_types_it_then_can_be_linked(client):
    from portal.accounts.linking import ensure_citizen
    from portal.accounts.models import CitizenProfile

    user = UserFactory(citizen_account=True)
    client.force_login(user)
    bad = client.post("/compte/identite/", {"birth_name": "Guillou", "first_names": "", "birth_date": "1985-13-01"})
    page = bad.content.decode()
    assert "Indiquez au moins un prénom." in page and "Saisissez une date valide" in page
    assert 'value="Guillou"' in page
    done = client.post(
        "/compte/identite/",
        {"birth_name": "Guillou", "first_names": "Yann", "birth_date": "1985-11-01", "next": "/mon-espace/"},
    )
    assert done["Location"] == "/mon-espace/"
    profile = CitizenProfile.objects.get(user=user)
    assert (profile.birth_name, profile.assurance_level) == ("Guillou", Citizen.Assurance.EMAIL_VERIFIED)
    assert ensure_citizen(user).birth_name == "Guillou"
    # Linked: the identity is now the file's, changed by agents only.
    assert client.get("/compte/identite/")["Location"] == "/compte/"
