"""Who may call the API (/api/v1/): staff sessions with 2FA, or bearer tokens for service accounts.

The classes are the API's ``auth`` (``config.api``); every app's router inherits them. ``schema_reader``
guards the schema and its docs page the same way.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from grc.models import ApiToken

AUTHENTICATION_REQUIRED = gettext_noop(
    "Authentification requise : session d'agent avec double authentification, ou jeton d'API."
)


class StaffSessionAuth(SessionAuth):
    """A logged-in staff member who passed the second factor, on a request carrying its CSRF token.

    A request with an ``Authorization`` header is judged by its token alone (``ServiceTokenAuth``):
    a page of another site cannot make a browser send that header, so no CSRF check is needed there,
    and a scanning station has no CSRF cookie to send. ninja's own ``SessionAuth`` checks CSRF before
    it knows who is calling and raises, which refused every token write (403) when it came first.
    The session is judged first, then CSRF: an anonymous write is a 401, a forged one a 403.
    """

    def __call__(self, request):
        if "authorization" in request.headers:
            return None
        user = self.authenticate(request, None)
        if user is None:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request) is not None:
            raise PermissionDenied(
                _("Jeton CSRF absent ou invalide : envoyez le cookie csrftoken dans l'en-tête X-CSRFToken.")
            )
        return user

    def authenticate(self, request, key):
        user = request.user
        if user.is_authenticated and user.is_staff and user.is_verified():
            return user
        return None


class ServiceTokenAuth(HttpBearer):
    """``Authorization: Bearer <token>`` for a service account; tokens are stored hashed."""

    def authenticate(self, request, token):
        api_token = (
            ApiToken.objects.select_related("user")
            .filter(token_hash=ApiToken.hash(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if api_token is None:
            return None
        now = timezone.now()
        if api_token.last_used_at is None or (now - api_token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        request.user = api_token.user
        return api_token.user


def schema_reader(request):
    """Who may read the schema and its docs page: a valid token, or a staff session with 2FA (a GET: no CSRF)."""
    if "authorization" in request.headers:
        return ServiceTokenAuth()(request)
    return StaffSessionAuth().authenticate(request, None)
