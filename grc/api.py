"""The REST API (/api/v1/): staff sessions with 2FA, or bearer tokens for service accounts."""

from django.utils import timezone
from ninja import NinjaAPI
from ninja.security import HttpBearer, SessionAuth

from grc.models import ApiToken


class StaffSessionAuth(SessionAuth):
    """A logged-in staff member who passed the second factor (CSRF checked by ninja)."""

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


api = NinjaAPI(
    title="GRC — API",
    version="1.0.0",
    description="API du référentiel usagers et du dossier social unique.",
    auth=[StaffSessionAuth(), ServiceTokenAuth()],
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
