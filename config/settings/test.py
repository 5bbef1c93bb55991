"""Test settings: the same real PostgreSQL as dev, fast password hashing, no email sent."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-insecure-key")
os.environ.setdefault("ACCESS_LOG_HMAC_KEY", "test-only-access-log-key")
os.environ.setdefault("DJANGO_SECURE", "false")

from .base import *  # noqa: E402,F403

DEBUG = False
# Several test runs may share one PostgreSQL server: GRC_TEST_DB_NAME keeps them apart.
DATABASES["default"]["TEST"] = {"NAME": env.str("GRC_TEST_DB_NAME", default="test_grc")}  # noqa: F405
# Tests run as the runtime role (tests/conftest.py creates and migrates the test database as the
# owner). The "owner" alias reaches the same test database as the owner: for the tests that play
# an attacker with the owner's rights (switching the log's triggers off). A mirror is not wrapped in
# the test's transaction: use the ``owner_db`` fixture, which rolls it back.
DATABASES["owner"] = {  # noqa: F405
    **DATABASES["default"],  # noqa: F405
    **(DATABASE_OWNER or {}),  # noqa: F405
    "CONN_MAX_AGE": 0,
    "TEST": {"MIRROR": "default"},
}
# A test database is thrown away: its commits need not wait for the disk. On these machines a commit's
# fsync costs ~5 ms, and the suite commits tens of thousands of times (migrating each worker's database,
# transactional and live-server tests, their flushes). Nothing is less safe for data anyone keeps.
_NO_SYNC = "-c synchronous_commit=off"
for _credentials in (DATABASES["default"], DATABASES["owner"], DATABASE_RUNTIME, DATABASE_OWNER or {}):  # noqa: F405
    if _credentials:
        _credentials["OPTIONS"] = {**_credentials.get("OPTIONS", {}), "options": _NO_SYNC}
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests purge rows written a moment ago; tests/audit/test_integrity.py raises the floor to prove it holds.
ACCESS_LOG_MIN_RETENTION_DAYS = 0
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# A db_worker started by a test must not spend seconds loading OpenFisca it will not use.
DROITS_WARM_UP = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# The portal's page cache is off (a page cached by one test would be served to the next one's different
# content); tests/portal/test_cache.py switches it on around its own pages.
CACHES["portal_pages"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "portal"}  # noqa: F405
PORTAL_PAGE_CACHE_SECONDS = 0
