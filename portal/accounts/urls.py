"""Citizen accounts: sign-up, e-mail verification, password reset, optional TOTP, OIDC (FranceConnect-style)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path
from django.views.generic import RedirectView

from portal.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.home, name="home"),
    path("inscription/", views.signup, name="signup"),
    path("identite/", views.identity, name="identity"),
    path("inscription/envoyee/", views.signup_done, name="signup_done"),
    path("verification/renvoyer/", views.verify_resend, name="verify_resend"),
    path("verification/<str:token>/", views.verify, name="verify"),
    # One login page for everyone (axes lockout, staff second factor): /connexion/.
    path(
        "connexion/",
        login_not_required(RedirectView.as_view(pattern_name="login", query_string=True)),
        name="login",
    ),
    path("deconnexion/", views.logout_view, name="logout"),
    path("mot-de-passe/", views.PasswordResetView.as_view(), name="password_reset"),
    path("mot-de-passe/envoye/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("mot-de-passe/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("mot-de-passe/termine/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("double-authentification/", views.otp_setup, name="otp_setup"),
    path("double-authentification/verifier/", views.otp_verify, name="otp_verify"),
    path("double-authentification/desactiver/", views.otp_disable, name="otp_disable"),
    path("suppression/", views.deletion_request, name="deletion_request"),
    path("suppression/enregistree/", views.deletion_done, name="deletion_done"),
    path("franceconnect/", views.oidc_login, name="oidc_login"),
    path("franceconnect/retour/", views.oidc_callback, name="oidc_callback"),
    path("franceconnect/deconnexion/", views.oidc_logout_done, name="oidc_logout_done"),
]
