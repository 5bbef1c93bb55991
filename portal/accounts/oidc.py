"""The OpenID Connect relying party (FranceConnect-style), built on Authlib's Django client.

Authlib does the protocol: the authorisation request with ``state``, ``nonce`` and PKCE (S256) kept in
the session, the code exchange, the ID token's signature (provider JWKS, algorithms the provider
announces) and its ``iss``, ``aud``, ``exp``, ``iat`` and ``nonce`` claims. On top of it we require an
ID token to have been returned and checked, the ``acr`` to be one we asked for, and the userinfo
``sub`` to be the ID token's. ``identity_from_claims`` reads the citizen's identity from the claims.
"""

from __future__ import annotations

import datetime
import threading

from authlib.integrations.django_client import DjangoIntegration, DjangoOAuth2App
from django.conf import settings

from grc.models import Citizen

_lock = threading.Lock()
_clients: dict[tuple, DjangoOAuth2App] = {}


class OidcError(Exception):
    """The provider's answer was refused (bad state, nonce, signature, claims...). Never shown raw."""


def is_configured() -> bool:
    return bool(settings.OIDC_CLIENT_ID and (settings.OIDC_ISSUER or settings.OIDC_DISCOVERY_URL))


def discovery_url() -> str:
    if settings.OIDC_DISCOVERY_URL:
        return settings.OIDC_DISCOVERY_URL
    return settings.OIDC_ISSUER.rstrip("/") + "/.well-known/openid-configuration"


def _key() -> tuple:
    return (
        discovery_url(),
        settings.OIDC_CLIENT_ID,
        settings.OIDC_CLIENT_SECRET,
        settings.OIDC_SCOPES,
        settings.OIDC_TOKEN_ENDPOINT_AUTH_METHOD,
    )


def client() -> DjangoOAuth2App:
    """The Authlib client for the configured provider (its metadata and keys are cached per process)."""
    key = _key()
    with _lock:
        app = _clients.get(key)
        if app is None:
            app = DjangoOAuth2App(
                DjangoIntegration("oidc"),
                name="oidc",
                client_id=settings.OIDC_CLIENT_ID,
                client_secret=settings.OIDC_CLIENT_SECRET,
                server_metadata_url=discovery_url(),
                client_kwargs={
                    "scope": settings.OIDC_SCOPES,
                    "code_challenge_method": "S256",
                    "token_endpoint_auth_method": settings.OIDC_TOKEN_ENDPOINT_AUTH_METHOD,
                    "default_timeout": 10,  # seconds, every call to the provider
                },
            )
            _clients[key] = app
        return app


def acr_values() -> list[str]:
    return settings.OIDC_ACR_VALUES.split()


def authorize_redirect(request, redirect_uri: str):
    extra = {}
    if acr_values():
        extra["acr_values"] = " ".join(acr_values())
    return client().authorize_redirect(request, redirect_uri, **extra)


def complete(request) -> tuple[str, dict, str]:
    """Finish the flow on the callback: ``(issuer, claims, id_token)`` or ``OidcError``.

    ``claims`` are the checked ID token's claims updated with the userinfo's.
    """
    app = client()
    try:
        token = app.authorize_access_token(request)
    except Exception as exc:  # Authlib raises its own, joserfc's and requests' errors
        raise OidcError(type(exc).__name__) from exc
    id_claims = token.get("userinfo")
    if not id_claims:
        raise OidcError("no checked ID token")
    wanted = acr_values()
    if wanted and id_claims.get("acr") not in wanted:
        raise OidcError("acr not requested")
    try:
        userinfo = app.userinfo(token=token)
    except Exception as exc:
        raise OidcError(type(exc).__name__) from exc
    if str(userinfo.get("sub")) != str(id_claims.get("sub")):
        raise OidcError("userinfo sub differs from the ID token's")
    metadata = app.load_server_metadata()
    claims = {**dict(userinfo), "sub": id_claims["sub"]}
    return metadata.get("issuer") or settings.OIDC_ISSUER, claims, token.get("id_token", "")


def logout_url(request, *, id_token: str, post_logout_redirect_uri: str) -> str | None:
    """The provider's end-session URL (RP-initiated logout), or None if it has none."""
    app = client()
    try:
        metadata = app.load_server_metadata()
    except Exception:
        return None
    if not metadata.get("end_session_endpoint"):
        return None
    result = app.create_logout_url(post_logout_redirect_uri=post_logout_redirect_uri, id_token_hint=id_token)
    return result["url"]


def identity_from_claims(*, claims: dict) -> dict:
    """The FranceConnect claims as a ``CitizenProfile`` identity.

    given_name holds all first names (space-separated), family_name the birth name,
    preferred_username the usage name, birthdate ISO 8601, birthplace the INSEE code of the commune
    (empty when born abroad), birthcountry the INSEE code of the country (99100 = France), gender
    ``female``/``male``.
    """
    try:
        birth_date = datetime.date.fromisoformat(claims.get("birthdate") or "")
    except ValueError:
        birth_date = None
    gender = (claims.get("gender") or "").lower()
    return {
        "birth_name": (claims.get("family_name") or "").strip()[:150],
        "usage_name": (claims.get("preferred_username") or "").strip()[:150],
        "first_names": (claims.get("given_name") or "").strip()[:255],
        "birth_date": birth_date,
        "birth_place_code": (claims.get("birthplace") or "").strip()[:5],
        "birth_country_code": (claims.get("birthcountry") or "").strip()[:5],
        "sex": {"female": Citizen.Sex.FEMALE, "male": Citizen.Sex.MALE}.get(gender, Citizen.Sex.UNKNOWN),
    }
