"""Second factor: verification, TOTP set-up, backup codes (login and logout are mounted by config/urls.py)."""

from django.urls import path

from backoffice.auth import views
from grc import converters  # noqa: F401  (registers <id:…>)

urlpatterns = [
    path("2fa/", views.otp_verify, name="otp_verify"),
    path("2fa/activer/", views.otp_setup, name="otp_setup"),
    path("2fa/codes-de-secours/", views.otp_backup_codes_regenerate, name="otp_backup_codes"),
]
