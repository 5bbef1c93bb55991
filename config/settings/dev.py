"""Local development: `make run`. Never used in production."""

import os

os.environ.setdefault("SECRET_KEY", "dev-only-insecure-key-never-use-in-production")
os.environ.setdefault("ACCESS_LOG_HMAC_KEY", "dev-only-access-log-key-never-use-in-production")
os.environ.setdefault("DJANGO_SECURE", "false")
os.environ.setdefault("DJANGO_DEBUG", "true")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

from .base import *  # noqa: E402,F403

ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost"]  # noqa: F405
WAGTAILADMIN_BASE_URL = "http://127.0.0.1:8000"
