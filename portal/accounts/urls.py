"""Citizen accounts: sign-up, e-mail verification, password reset, optional TOTP, OIDC (FranceConnect-style)."""

from django.urls import path  # noqa: F401

app_name = "accounts"

urlpatterns = []
