"""Sign-up, e-mail verification (valid, expired, tampered link), and bad input on the sign-up form."""

import re

import pytest
from django.core import mail

from grc.models import Citizen
from portal.accounts.models import AccountDeletionRequest, CitizenProfile
from portal.accounts.services import deletion_request_create
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("mails_on_commit")]

GOOD = {
    "email": "Camille.Rouxel@Example.org",
    "password1": "un-mot-de-passe-bien-long",
    "password2": "un-mot-de-passe-bien-long",
    "birth_name": "Rouxel",
    "usage_name": "",
    "first_names": "Camille, Louise",
    "birth_date": "02/06/1990",
    "birth_place": "Vitré",
    "sex": "F",
    "terms": "on",
}


def _sign_up(client, **changes):
    return client.post("/compte/inscription/", {**GOOD, **changes})


def _link(message):
    return re.search(r"http://testserver(/compte/verification/[^\s]+/)", message.body).group(1)


def test_sign_up_creates_an_inactive_account_and_mails_a_verification_link(client):
    response = _sign_up(client)

    assert response.status_code == 302 and response["Location"] == "/compte/inscription/envoyee/"
    user = UserFactory._meta.model.objects.get(email="camille.rouxel@example.org")
    assert not user.is_active and not user.is_staff
    profile = CitizenProfile.objects.get(user=user)
    assert (profile.birth_name, profile.first_names, profile.birth_date.isoformat()) == (
        "Rouxel",
        "Camille, Louise",
        "1990-06-02",
    )
    assert profile.assurance_level == Citizen.Assurance.DECLARED and profile.terms_accepted_at is not None
    assert not profile.email_verified
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["camille.rouxel@example.org"]
    assert "Activez votre compte" in mail.outbox[0].subject
    page = client.get(response["Location"]).content.decode()
    assert "camille.rouxel@example.org" in page
    # Not verified yet: the password does not open a session.
    client.post("/connexion/", {"username": "camille.rouxel@example.org", "password": GOOD["password1"]})
    assert "_auth_user_id" not in client.session


def test_verification_link_activates_the_account_then_login_works(client):
    _sign_up(client)
    link = _link(mail.outbox[0])

    page = client.get(link)
    assert page.status_code == 200 and "Confirmer mon adresse" in page.content.decode()
    assert not UserFactory._meta.model.objects.get(email="camille.rouxel@example.org").is_active  # GET changes nothing
    response = client.post(link)

    assert response.status_code == 302 and response["Location"] == "/connexion/"
    user = UserFactory._meta.model.objects.get(email="camille.rouxel@example.org")
    assert user.is_active
    profile = CitizenProfile.objects.get(user=user)
    assert profile.email_verified and profile.assurance_level == Citizen.Assurance.EMAIL_VERIFIED
    login = client.post("/connexion/", {"username": "camille.rouxel@example.org", "password": GOOD["password1"]})
    assert login.status_code == 302 and login["Location"] == "/mon-espace/"
    assert int(client.session["_auth_user_id"]) == user.pk
    # The link used again says so, without harm.
    assert "déjà vérifiée" in client.get(link).content.decode()


def test_expired_link_is_refused_and_offers_a_new_one(client, settings):
    _sign_up(client)
    settings.ACCOUNTS_VERIFY_MAX_AGE_SECONDS = -1
    link = _link(mail.outbox[0])

    for response in (client.get(link), client.post(link)):
        assert response.status_code == 400
        assert "Ce lien a expiré" in response.content.decode()
    assert not UserFactory._meta.model.objects.get(email="camille.rouxel@example.org").is_active

    settings.ACCOUNTS_VERIFY_MAX_AGE_SECONDS = 3600
    client.post("/compte/verification/renvoyer/", {"email": "camille.rouxel@example.org"})
    assert len(mail.outbox) == 2
    client.post(_link(mail.outbox[1]))
    assert UserFactory._meta.model.objects.get(email="camille.rouxel@example.org").is_active


def test_tampered_link_is_refused(client):
    _sign_up(client)
    link = _link(mail.outbox[0])
    token = link.rstrip("/").rsplit("/", 1)[1]
    forged = link.replace(token, token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb"))

    response = client.post(forged)
    assert response.status_code == 400
    assert "Ce lien n'est pas valide" in response.content.decode()
    assert not UserFactory._meta.model.objects.get(email="camille.rouxel@example.org").is_active
    assert client.get("/compte/verification/n-importe-quoi/").status_code == 400


def test_signing_up_again_with_a_known_address_reveals_nothing_and_mails_the_owner(client):
    owner = UserFactory(email="camille.rouxel@example.org")
    response = _sign_up(client)

    assert response["Location"] == "/compte/inscription/envoyee/"
    assert UserFactory._meta.model.objects.filter(email__iexact="camille.rouxel@example.org").count() == 1
    assert "déjà un compte" in mail.outbox[0].subject
    owner.refresh_from_db()
    assert owner.check_password("motdepasse-solide-42")


def test_signing_up_again_before_verifying_sends_the_link_again(client):
    _sign_up(client)
    _sign_up(client)
    assert len(mail.outbox) == 2 and "Activez" in mail.outbox[1].subject
    assert CitizenProfile.objects.count() == 1


def test_old_link_never_reactivates_an_account_closed_since(client):
    _sign_up(client)
    link = _link(mail.outbox[0])
    client.post(link)
    user = UserFactory._meta.model.objects.get(email="camille.rouxel@example.org")
    deletion_request_create(user=user)

    client.post(link)
    user.refresh_from_db()
    assert not user.is_active
    assert AccountDeletionRequest.objects.filter(user=user, status="open").exists()


def test_empty_form_says_what_is_missing_next_to_each_field(client):
    response = client.post("/compte/inscription/", {})
    page = response.content.decode()
    assert response.status_code == 200
    for message in (
        "Indiquez votre adresse électronique.",
        "Choisissez un mot de passe.",
        "Indiquez votre nom de naissance.",
        "Indiquez au moins un prénom.",
        "Indiquez votre date de naissance.",
        "Vous devez accepter les conditions d&#x27;utilisation pour créer un compte.",
    ):
        assert message in page
    assert 'id="id_birth_name_error"' in page
    assert not UserFactory._meta.model.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"email": "pas-une-adresse"}, "email", "Saisissez une adresse électronique valide"),
        ({"password1": "court", "password2": "court"}, "password1", "trop court"),
        ({"password1": "12345678901234", "password2": "12345678901234"}, "password1", "entièrement numérique"),
        ({"password2": "un-autre-mot-de-passe"}, "password2", "Les deux mots de passe ne sont pas identiques."),
        ({"birth_date": "31/02/1990"}, "birth_date", "Saisissez une date valide"),
        ({"birth_date": "01/01/2999"}, "birth_date", "ne peut pas être dans le futur"),
        ({"birth_date": "01/01/1800"}, "birth_date", "ne peut pas être antérieure au 01/01/1900"),
        ({"birth_name": "Rouxel\u202e"}, "birth_name", "caractère invisible ou de contrôle (U+202E)"),
        ({"birth_place": "\u2066Brest"}, "birth_place", "(U+2066)"),
        ({"birth_name": "1234"}, "birth_name", "Le nom doit comporter des lettres."),
        ({"terms": ""}, "terms", "Vous devez accepter"),
    ],
)
def test_bad_input_is_explained_next_to_the_field_and_nothing_typed_is_lost(client, changes, field, message):
    response = _sign_up(client, **changes)
    page = response.content.decode()

    assert response.status_code == 200
    error = re.search(rf'<p class="error" id="id_{field}_error">([^<]*)</p>', page)
    assert error and message in error.group(1).replace("&#x27;", "'")
    # What was typed is still there (passwords excepted, on purpose).
    assert 'value="Rouxel"' in page or field == "birth_name"
    assert 'value="Camille, Louise"' in page
    assert "un-mot-de-passe-bien-long" not in page
    assert not UserFactory._meta.model.objects.exists()
    assert not mail.outbox


def test_sign_up_page_is_public_and_in_french(client):
    page = client.get("/compte/inscription/").content.decode()
    assert "Créer un compte usager" in page
    assert 'name="birth_date"' in page and 'type="date"' in page
