from django.urls import path

from backoffice.views import auth, home

app_name = "backoffice"

urlpatterns = [
    path("", home.home, name="home"),
    path("2fa/", auth.otp_verify, name="otp_verify"),
    path("2fa/activer/", auth.otp_setup, name="otp_setup"),
    path("2fa/codes-de-secours/", auth.otp_backup_codes_regenerate, name="otp_backup_codes"),
]
