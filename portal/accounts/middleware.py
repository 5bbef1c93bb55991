"""A citizen who enabled TOTP passes it after the password, before any other page.

Staff are handled by ``grc.middleware.StaffOTPRequiredMiddleware`` (unchanged). A session opened through
the OIDC provider (FranceConnect) is not asked for TOTP: the provider authenticated the person.
"""

from django.shortcuts import redirect
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from grc.middleware import SELF_AUTHENTICATING_PREFIXES

SESSION_OTP = "_accounts_otp"  # "required" | "none": whether this session's citizen has a TOTP device
SESSION_AUTH_METHOD = "_accounts_auth_method"  # "oidc" for a FranceConnect session
EXEMPT_URL_NAMES = {"accounts:otp_verify", "accounts:logout", "logout", "login", "accounts:oidc_logout_done"}


def _url_name(request):
    match = getattr(request, "resolver_match", None)
    if match is None:
        return None
    return f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name


class CitizenOTPMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_staff or request.path_info.startswith(SELF_AUTHENTICATING_PREFIXES):
            return None
        if user.is_verified() or request.session.get(SESSION_AUTH_METHOD) == "oidc":
            return None
        state = request.session.get(SESSION_OTP)
        if state is None:
            # Checked once per session: enrolling later verifies the session that enrolled.
            state = "required" if TOTPDevice.objects.filter(user=user, confirmed=True).exists() else "none"
            request.session[SESSION_OTP] = state
        if state == "none" or _url_name(request) in EXEMPT_URL_NAMES:
            return None
        return redirect(f"{reverse('accounts:otp_verify')}?next={request.path_info}")
