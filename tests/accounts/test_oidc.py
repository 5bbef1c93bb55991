"""FranceConnect-style login against a real OpenID Connect provider (npm oidc-provider, started locally)."""

import time
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest

from grc.models import Citizen
from portal.accounts.linking import ensure_citizen
from portal.accounts.models import CitizenProfile, OidcIdentity
from tests.accounts.conftest import POST_LOGOUT_URI, PROVIDER_KEY, ProviderBrowser
from tests.factories import CitizenFactory, UserFactory

pytestmark = pytest.mark.django_db


def _start(client, path="/compte/franceconnect/"):
    response = client.get(path)
    assert response.status_code == 302
    return response["Location"]


def _with_param(url, **changes):
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


def _callback(client, callback_url):
    parts = urlsplit(callback_url)
    return client.get(f"{parts.path}?{parts.query}")


def _login(client, issuer, login="marie"):
    callback = ProviderBrowser(issuer).log_in_and_consent(_start(client), login=login)
    return _callback(client, callback)


def _messages(response):
    return [str(m) for m in response.wsgi_request._messages]


def test_authorisation_request_carries_state_nonce_pkce_and_acr(client, oidc_settings, oidc_provider):
    query = parse_qs(urlsplit(_start(client)).query)
    assert query["response_type"] == ["code"]
    assert query["client_id"] == ["grc-portail"]
    assert query["code_challenge_method"] == ["S256"]
    assert query["acr_values"] == ["eidas1"]
    assert query["state"][0] and query["nonce"][0] and query["code_challenge"][0]
    assert "birthdate" in query["scope"][0].split()


def test_franceconnect_login_creates_an_account_with_the_claims_mapped(client, oidc_settings, oidc_provider):
    response = _login(client, oidc_provider)

    assert response.status_code == 302
    assert response["Location"] == "/mon-espace/"
    identity = OidcIdentity.objects.get(sub="fc-sub-marie-0001")
    assert identity.issuer == oidc_provider
    user = identity.user
    assert int(client.session["_auth_user_id"]) == user.pk
    assert user.email == "marie.legoff@fc.example"
    assert user.is_active and not user.is_staff and not user.has_usable_password()
    profile = CitizenProfile.objects.get(user=user)
    assert (profile.birth_name, profile.usage_name, profile.first_names) == ("Le Goff", "Kervella", "Marie Thérèse")
    assert profile.birth_date.isoformat() == "1971-09-23"
    assert (profile.birth_place_code, profile.birth_country_code, profile.sex) == ("29019", "99100", "F")
    assert profile.assurance_level == Citizen.Assurance.FRANCECONNECT
    assert profile.email_verified

    citizen = ensure_citizen(user)
    assert citizen.assurance_level == Citizen.Assurance.FRANCECONNECT
    assert citizen.usage_name == "Kervella"


def test_second_login_opens_the_same_account(client, oidc_settings, oidc_provider):
    _login(client, oidc_provider)
    client.post("/compte/deconnexion/")
    _login(client, oidc_provider)
    assert OidcIdentity.objects.filter(sub="fc-sub-marie-0001").count() == 1
    assert CitizenProfile.objects.count() == 1


def test_franceconnect_identity_is_linked_to_its_existing_citizen_file(client, oidc_settings, oidc_provider):
    existing = CitizenFactory(
        birth_name="LE GOFF",
        usage_name="KERVELLA",
        first_names="Marie, Thérèse",
        birth_date="1971-09-23",
        birth_place="Brest",
        birth_place_code="29019",
        sex="F",
    )
    _login(client, oidc_provider)
    user = OidcIdentity.objects.get(sub="fc-sub-marie-0001").user

    assert ensure_citizen(user).pk == existing.pk
    existing.refresh_from_db()
    assert existing.assurance_level == Citizen.Assurance.FRANCECONNECT


def test_tampered_state_is_refused(client, oidc_settings, oidc_provider):
    callback = ProviderBrowser(oidc_provider).log_in_and_consent(_start(client))
    response = _callback(client, _with_param(callback, state="forged-state"))

    assert response.status_code == 302 and response["Location"] == "/connexion/"
    assert "_auth_user_id" not in client.session
    assert not OidcIdentity.objects.exists()
    assert "La connexion avec FranceConnect a échoué. Réessayez." in _messages(response)


def test_tampered_nonce_is_refused(client, oidc_settings, oidc_provider, caplog):
    # The provider signs an ID token for another nonce than the one kept in our session.
    authorize = _with_param(_start(client), nonce="nonce-chosen-by-an-attacker")
    callback = ProviderBrowser(oidc_provider).log_in_and_consent(authorize)
    response = _callback(client, callback)

    assert "_auth_user_id" not in client.session
    assert not OidcIdentity.objects.exists()
    assert "La connexion avec FranceConnect a échoué. Réessayez." in _messages(response)
    assert "InvalidClaimError" in caplog.text


def test_code_without_its_pkce_verifier_is_refused(client, oidc_settings, oidc_provider):
    authorize = _with_param(_start(client), code_challenge="A" * 43)
    callback = ProviderBrowser(oidc_provider).log_in_and_consent(authorize)
    _callback(client, callback)

    assert "_auth_user_id" not in client.session
    assert not OidcIdentity.objects.exists()


def test_replayed_callback_is_refused(client, oidc_settings, oidc_provider):
    callback = ProviderBrowser(oidc_provider).log_in_and_consent(_start(client))
    _callback(client, callback)
    client.post("/compte/deconnexion/")
    response = _callback(client, callback)
    assert "_auth_user_id" not in client.session
    assert "La connexion avec FranceConnect a échoué. Réessayez." in _messages(response)


def test_lower_assurance_than_asked_is_refused(client, oidc_settings, oidc_provider, caplog):
    oidc_settings.OIDC_ACR_VALUES = "eidas2"
    authorize = _with_param(_start(client), acr_values="eidas1")  # downgraded on the way
    callback = ProviderBrowser(oidc_provider).log_in_and_consent(authorize)
    _callback(client, callback)
    assert "_auth_user_id" not in client.session
    assert "acr not requested" in caplog.text


def test_address_of_an_existing_account_is_not_taken_over(client, oidc_settings, oidc_provider):
    owner = UserFactory(email="marie.legoff@fc.example")
    response = _login(client, oidc_provider)

    assert "_auth_user_id" not in client.session
    assert not OidcIdentity.objects.exists()
    assert any("Un compte existe déjà" in m for m in _messages(response))
    owner.refresh_from_db()
    assert owner.has_usable_password()


def test_logged_in_citizen_links_franceconnect_to_their_account(client, oidc_settings, oidc_provider):
    user = UserFactory(citizen_account=True, email="marie@example.org")
    client.force_login(user)
    callback = ProviderBrowser(oidc_provider).log_in_and_consent(
        _start(client, "/compte/franceconnect/?next=/compte/")
    )
    response = _callback(client, callback)

    assert response["Location"] == "/compte/"
    assert OidcIdentity.objects.get(sub="fc-sub-marie-0001").user == user
    assert CitizenProfile.objects.get(user=user).assurance_level == Citizen.Assurance.FRANCECONNECT


def test_deactivated_account_cannot_log_in_with_franceconnect(client, oidc_settings, oidc_provider):
    _login(client, oidc_provider)
    client.post("/compte/deconnexion/")
    user = OidcIdentity.objects.get().user
    user.is_active = False
    user.save()
    response = _login(client, oidc_provider)
    assert "_auth_user_id" not in client.session
    assert "Ce compte est désactivé." in _messages(response)


def test_logout_ends_the_session_at_the_provider_too(client, oidc_settings, oidc_provider):
    browser = ProviderBrowser(oidc_provider)
    _callback(client, browser.log_in_and_consent(_start(client)))

    response = client.post("/compte/deconnexion/")

    assert "_auth_user_id" not in client.session
    end_session = response["Location"]
    assert end_session.startswith(f"{oidc_provider}/session/end")
    query = parse_qs(urlsplit(end_session).query)
    assert query["post_logout_redirect_uri"] == [POST_LOGOUT_URI]
    assert query["id_token_hint"][0].count(".") == 2
    confirm = browser.open(end_session)  # the provider asks "sign out?"
    back = browser.submit(confirm, {"logout": "yes", **_hidden_fields(confirm.text)})
    assert isinstance(back, str) and back.startswith(POST_LOGOUT_URI)
    response = _callback(client, back)
    assert "Vous êtes déconnecté, ici et chez FranceConnect." in _messages(response)
    # The provider's session is over: a new login asks for the password again.
    page = browser.open(_start(client))
    assert "Connexion" in page.text


def test_the_header_logout_button_also_ends_the_provider_session(client, oidc_settings, oidc_provider):
    """Every page's header posts to the shared logout URL: a FranceConnect session ends at the provider too."""
    browser = ProviderBrowser(oidc_provider)
    _callback(client, browser.log_in_and_consent(_start(client)))

    response = client.post("/deconnexion/")

    assert "_auth_user_id" not in client.session
    assert response["Location"].startswith(f"{oidc_provider}/session/end")


def _hidden_fields(html):
    import re

    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


def test_franceconnect_button_only_when_configured(client, settings):
    settings.OIDC_CLIENT_ID = ""
    assert "S&#x27;identifier avec FranceConnect" not in client.get("/connexion/").content.decode()
    assert client.get("/compte/franceconnect/").status_code == 404
    settings.OIDC_CLIENT_ID = "grc-portail"
    settings.OIDC_ISSUER = "https://fc.example"
    page = client.get("/connexion/").content.decode()
    assert "identifier avec FranceConnect" in page
    assert 'href="/compte/franceconnect/' in page


@pytest.mark.parametrize(
    ("forged", "error"),
    [
        ({"key": "other"}, "BadSignatureError"),
        ({"aud": "another-client"}, "MissingClaimError InvalidClaimError"),  # azp missing, then aud
        ({"iss": "https://evil.example"}, "InvalidClaimError"),
        ({"exp_delta": -3600}, "ExpiredTokenError"),
        ({"nonce": "replayed-nonce"}, "InvalidClaimError"),
    ],
)
def test_id_tokens_are_checked_signature_audience_issuer_expiry_nonce(oidc_settings, oidc_provider, forged, error):
    """The relying party checks ID tokens with the provider's published keys; forged ones are refused."""
    from joserfc import jwt
    from joserfc.jwk import RSAKey

    from portal.accounts import oidc

    def token(**changes):
        now = int(time.time())
        claims = {
            "iss": oidc_provider,
            "aud": "grc-portail",
            "sub": "fc-sub-marie-0001",
            "iat": now,
            "exp": now + 600,
            "nonce": "expected",
        }
        delta = changes.pop("exp_delta", 0)
        key = changes.pop("key", None)
        claims.update(changes)
        claims["exp"] += delta
        signer = RSAKey.generate_key(2048, parameters={"kid": "test-rs256"}) if key else PROVIDER_KEY
        return jwt.encode({"alg": "RS256", "kid": "test-rs256"}, claims, signer)

    client = oidc.client()
    genuine = client.parse_id_token({"id_token": token(), "access_token": "x"}, nonce="expected", leeway=0)
    assert genuine["sub"] == "fc-sub-marie-0001"
    with pytest.raises(Exception) as raised:
        client.parse_id_token({"id_token": token(**forged), "access_token": "x"}, nonce="expected", leeway=0)
    assert type(raised.value).__name__ in error.split()


def test_provider_down_gives_a_message_not_an_error(client, settings):
    from tests.accounts.conftest import _free_port

    settings.OIDC_ISSUER = f"http://127.0.0.1:{_free_port()}"  # nothing listens there
    settings.OIDC_CLIENT_ID = "grc-portail"
    response = client.get("/compte/franceconnect/")
    assert response.status_code == 302 and response["Location"] == "/connexion/"
    assert "FranceConnect est momentanément indisponible. Réessayez plus tard." in _messages(response)
