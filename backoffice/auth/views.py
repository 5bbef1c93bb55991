"""Login, logout and the staff second factor (TOTP enrolment with QR code, backup codes)."""

import base64

import segno
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import devices_for_user, match_token

from backoffice.auth.forms import LoginForm, TokenForm
from grc.auth import otp_session_verify
from grc.services.otp import otp_backup_codes_create, otp_totp_confirm, otp_totp_start
from portal.accounts import views as account_views


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        if self.request.user.is_staff:
            return "/backoffice/"
        # Citizens go to Mon espace (one with TOTP is stopped at portal.accounts' second step first).
        return "/mon-espace/"


@require_POST
def logout_view(request):
    if request.session.get(account_views.SESSION_ID_TOKEN):
        # A FranceConnect-style session also ends at the identity provider.
        return account_views.logout_view(request)
    logout(request)
    messages.success(request, _("Vous êtes déconnecté."))
    return redirect("login")


def _next_url(request, default="/backoffice/"):
    candidate = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def otp_verify(request):
    """Second step of a staff login: a TOTP code or a backup code."""
    if not any(devices_for_user(request.user)):
        return redirect("backoffice:otp_setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"].replace(" ", ""))
        if device is not None:
            otp_session_verify(request, device)
            return redirect(_next_url(request))
        form.add_error("token", _("Code incorrect ou expiré."))
    return render(request, "backoffice/otp_verify.html", {"form": form, "next": _next_url(request)})


def otp_setup(request):
    """Enrol a TOTP device: QR code + secret, confirmed by a first code; then show backup codes."""
    if any(devices_for_user(request.user)) and not request.user.is_verified():
        return redirect("backoffice:otp_verify")
    device = otp_totp_start(user=request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if otp_totp_confirm(device=device, token=form.cleaned_data["token"].replace(" ", "")):
            otp_session_verify(request, device)
            codes = otp_backup_codes_create(user=request.user)
            return render(request, "backoffice/otp_backup_codes.html", {"codes": codes, "next": _next_url(request)})
        form.add_error("token", _("Code incorrect : vérifiez l'heure de votre téléphone et réessayez."))
    qr = segno.make(device.config_url, error="m")
    qr_data_uri = qr.svg_data_uri(scale=5, dark="#1d1d1b")
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "backoffice/otp_setup.html",
        {"form": form, "qr_data_uri": qr_data_uri, "secret": secret, "next": _next_url(request)},
    )


@require_POST
def otp_backup_codes_regenerate(request):
    codes = otp_backup_codes_create(user=request.user)
    return render(request, "backoffice/otp_backup_codes.html", {"codes": codes, "next": "/backoffice/"})


__all__ = ["LoginView", "logout_view", "otp_backup_codes_regenerate", "otp_setup", "otp_verify"]
