"""Test settings: the same real PostgreSQL as dev, fast password hashing, no email sent."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-insecure-key")
os.environ.setdefault("DJANGO_SECURE", "false")

from .base import *  # noqa: E402,F403

DEBUG = False
# Several test runs may share one PostgreSQL server: GRC_TEST_DB_NAME keeps them apart.
DATABASES["default"]["TEST"] = {"NAME": env.str("GRC_TEST_DB_NAME", default="test_grc")}  # noqa: F405
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
