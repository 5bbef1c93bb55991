"""Citizen account pages: sign-up, e-mail verification, password reset, TOTP, deletion request, OIDC login."""

import base64
import logging

import segno
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import match_token

from grc.auth import otp_session_verify
from grc.services.otp import otp_backup_codes_create, otp_totp_confirm, otp_totp_start
from portal.accounts import oidc, selectors, services, throttle
from portal.accounts.forms import (
    DeletionRequestForm,
    IdentityFields,
    PasswordConfirmForm,
    PasswordResetForm,
    ResendVerificationForm,
    SetPasswordForm,
    SignupForm,
    TokenForm,
)
from portal.accounts.middleware import SESSION_AUTH_METHOD, SESSION_OTP
from portal.accounts.models import CitizenProfile
from portal.accounts.verification import user_from_verification_token

logger = logging.getLogger(__name__)

CITIZEN_HOME = "/mon-espace/"
SESSION_ID_TOKEN = "_accounts_oidc_id_token"  # noqa: S105 (a session key, not a secret)
SESSION_OIDC_NEXT = "_accounts_oidc_next"


def _site_url(request) -> str:
    return request.build_absolute_uri("/")


def _safe_next(request, default=CITIZEN_HOME) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _too_many(request, template: str, context: dict):
    """The form again, with what was typed, and a French explanation (429)."""
    form = context.get("form")
    if form is not None:
        form.is_valid()  # keep the values (the form is bound: a POST); their errors are not the point here
        form._errors = {}
        form.add_error(
            None,
            _("Trop de demandes ont été envoyées depuis votre connexion. Par sécurité, réessayez dans une heure."),
        )
    return render(request, template, context, status=429)


def _staff_not_here(request):
    if request.user.is_staff:
        raise Http404


# --- Sign-up and verification ---------------------------------------------------------------------


@login_not_required
@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect(CITIZEN_HOME)
    form = SignupForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not throttle.allow_client(request):
        return _too_many(request, "accounts/signup.html", {"form": form, "oidc_enabled": oidc.is_configured()})
    if request.method == "POST" and form.is_valid():
        services.account_signup(
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            identity=form.identity(),
            site_url=_site_url(request),
        )
        request.session["_accounts_signup_email"] = form.cleaned_data["email"]
        return redirect("accounts:signup_done")
    return render(request, "accounts/signup.html", {"form": form, "oidc_enabled": oidc.is_configured()})


@login_not_required
def signup_done(request):
    return render(request, "accounts/signup_done.html", {"email": request.session.get("_accounts_signup_email", "")})


@login_not_required
@require_http_methods(["GET", "POST"])
def verify(request, token):
    """GET shows a confirmation button (mail scanners follow links); POST verifies and activates."""
    try:
        user = user_from_verification_token(token=token)
    except ValidationError as exc:
        return render(
            request,
            "accounts/verify_failed.html",
            {"expired": exc.code == "expired", "form": ResendVerificationForm()},
            status=400,
        )
    if request.method == "POST":
        services.account_verify_email(token=token)
        messages.success(request, _("Votre adresse électronique est vérifiée. Vous pouvez vous connecter."))
        return redirect("login")
    already = selectors.email_verified(user=user)
    return render(request, "accounts/verify.html", {"already": already})


@login_not_required
@require_http_methods(["GET", "POST"])
def verify_resend(request):
    form = ResendVerificationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not throttle.allow_client(request):
        return _too_many(request, "accounts/verify_resend.html", {"form": form})
    if request.method == "POST" and form.is_valid():
        services.resend_verification(email=form.cleaned_data["email"], site_url=_site_url(request))
        messages.success(
            request,
            _(
                "Si un compte en attente de vérification existe pour cette adresse, "
                "un nouveau lien vient d'y être envoyé."
            ),
        )
        return redirect("login")
    return render(request, "accounts/verify_resend.html", {"form": form})


# --- Logout -----------------------------------------------------------------------------------------


@require_POST
def logout_view(request):
    """Log out here and, for a FranceConnect session, at the provider too (when OIDC_LOGOUT)."""
    id_token = request.session.get(SESSION_ID_TOKEN)
    provider_url = None
    if id_token and settings.OIDC_LOGOUT and oidc.is_configured():
        provider_url = oidc.logout_url(
            request,
            id_token=id_token,
            post_logout_redirect_uri=request.build_absolute_uri(reverse("accounts:oidc_logout_done")),
        )
    logout(request)
    if provider_url:
        return redirect(provider_url)
    messages.success(request, _("Vous êtes déconnecté."))
    return redirect("login")


@login_not_required
def oidc_logout_done(request):
    messages.success(request, _("Vous êtes déconnecté, ici et chez FranceConnect."))
    return redirect("login")


# --- Password reset (Django's views, French templates) ---------------------------------------------


@method_decorator(login_not_required, name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/email/password_reset_body.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def post(self, request, *args, **kwargs):
        if not throttle.allow_client(request):
            return _too_many(request, self.template_name, {"form": self.get_form()})
        return super().post(request, *args, **kwargs)


@method_decorator(login_not_required, name="dispatch")
class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


@method_decorator(login_not_required, name="dispatch")
class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = SetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        # A new password lifts the lockout of repeated failures for that account.
        axes_reset(username=form.user.email)
        return response


@method_decorator(login_not_required, name="dispatch")
class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


# --- Account page, TOTP, deletion ---------------------------------------------------------------


def home(request):
    _staff_not_here(request)
    user = request.user
    context = {
        "profile": selectors.profile_of(user=user),
        "totp_enabled": selectors.totp_enabled(user=user),
        "oidc_identity": selectors.oidc_identity_of(user=user),
        "oidc_enabled": oidc.is_configured(),
        "linked": selectors.is_linked(user=user),
        "oidc_name": settings.OIDC_PROVIDER_NAME,
    }
    return render(request, "accounts/home.html", context)


@require_http_methods(["GET", "POST"])
def identity(request):
    """Type or correct one's identity while the account is not linked to a citizen file yet."""
    _staff_not_here(request)
    profile = selectors.profile_of(user=request.user)
    locked = selectors.is_linked(user=request.user) or (
        profile is not None and profile.source == CitizenProfile.Source.OIDC
    )
    if locked:
        messages.info(
            request,
            _(
                "Votre identité est celle de votre dossier : pour la corriger, "
                "adressez-vous aux services du Département."
            ),
        )
        return redirect("accounts:home")
    initial = {name: getattr(profile, name) for name in services.IDENTITY_FIELDS} if profile else None
    form = IdentityFields(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.profile_save(user=request.user, identity=form.identity())
        messages.success(request, _("Votre identité est enregistrée."))
        return redirect(_safe_next(request, default=reverse("accounts:home")))
    return render(request, "accounts/identity.html", {"form": form, "next": _safe_next(request, default="")})


@require_http_methods(["GET", "POST"])
def otp_setup(request):
    """Enrol a TOTP device: QR code and secret, confirmed by a first code; then the backup codes."""
    _staff_not_here(request)
    if selectors.totp_enabled(user=request.user):
        messages.info(request, _("La vérification en deux étapes est déjà activée."))
        return redirect("accounts:home")
    device = otp_totp_start(user=request.user)
    form = TokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if otp_totp_confirm(device=device, token=form.cleaned_data["token"]):
            otp_session_verify(request, device)
            request.session[SESSION_OTP] = "required"
            codes = otp_backup_codes_create(user=request.user)
            messages.success(request, _("La vérification en deux étapes est activée."))
            return render(request, "accounts/otp_backup_codes.html", {"codes": codes})
        form.add_error("token", _("Code incorrect : vérifiez l'heure de votre téléphone et réessayez."))
    qr_data_uri = segno.make(device.config_url, error="m").svg_data_uri(scale=5, dark="#1d1d1b")
    secret = base64.b32encode(device.bin_key).decode()
    return render(request, "accounts/otp_setup.html", {"form": form, "qr_data_uri": qr_data_uri, "secret": secret})


@require_http_methods(["GET", "POST"])
def otp_disable(request):
    _staff_not_here(request)
    form = PasswordConfirmForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.citizen_otp_disable(user=request.user)
        request.session[SESSION_OTP] = "none"
        messages.success(request, _("La vérification en deux étapes est désactivée."))
        return redirect("accounts:home")
    return render(request, "accounts/otp_disable.html", {"form": form})


@require_http_methods(["GET", "POST"])
def otp_verify(request):
    """Second step of a citizen login, only for citizens who enabled TOTP (django-otp throttles guesses)."""
    _staff_not_here(request)
    if request.user.is_verified():
        return redirect(_safe_next(request))
    form = TokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            otp_session_verify(request, device)
            return redirect(_safe_next(request))
        form.add_error("token", _("Code incorrect ou expiré."))
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _safe_next(request)})


@require_http_methods(["GET", "POST"])
def deletion_request(request):
    """The citizen asks for their account to be deleted: recorded for the DPO, account deactivated at once."""
    _staff_not_here(request)
    form = DeletionRequestForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.deletion_request_create(user=request.user, reason=form.cleaned_data.get("reason", ""))
        logout(request)
        return redirect("accounts:deletion_done")
    return render(request, "accounts/deletion_request.html", {"form": form})


@login_not_required
def deletion_done(request):
    return render(request, "accounts/deletion_done.html")


# --- OIDC (FranceConnect-style) ---------------------------------------------------------------------


@login_not_required
def oidc_login(request):
    """Start the authorisation code flow (also used by a logged-in citizen to link FranceConnect)."""
    if not oidc.is_configured():
        raise Http404
    if request.user.is_authenticated and request.user.is_staff:
        raise Http404
    request.session[SESSION_OIDC_NEXT] = _safe_next(request)
    try:
        return oidc.authorize_redirect(request, request.build_absolute_uri(reverse("accounts:oidc_callback")))
    except Exception:
        logger.warning("OIDC provider unreachable", exc_info=True)
        messages.error(request, _("FranceConnect est momentanément indisponible. Réessayez plus tard."))
        return redirect("login")


@login_not_required
def oidc_callback(request):
    if not oidc.is_configured():
        raise Http404
    current = request.user if request.user.is_authenticated else None
    failure_target = "accounts:home" if current else "login"
    try:
        issuer, claims, id_token = oidc.complete(request)
    except oidc.OidcError as exc:
        logger.warning("OIDC callback refused: %s", exc)
        messages.error(request, _("La connexion avec FranceConnect a échoué. Réessayez."))
        return redirect(failure_target)
    try:
        user = services.oidc_login(issuer=issuer, claims=claims, current_user=current)
    except services.OidcRefused as exc:
        messages.error(request, exc.message)
        return redirect(failure_target)
    except IntegrityError:  # the same identity or address arrived twice at once: the second one retries
        messages.error(request, _("La connexion avec FranceConnect a échoué. Réessayez."))
        return redirect(failure_target)
    next_url = request.session.pop(SESSION_OIDC_NEXT, CITIZEN_HOME)
    if current is None:
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    else:
        messages.success(request, _("Votre compte est maintenant lié à FranceConnect."))
    request.session[SESSION_AUTH_METHOD] = "oidc"
    request.session[SESSION_ID_TOKEN] = id_token
    return redirect(next_url)
