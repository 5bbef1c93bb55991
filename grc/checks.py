"""System checks of the deployment's configuration (``manage.py check --deploy``)."""

from django.conf import settings
from django.core import checks

from grc import dbroles


@checks.register(checks.Tags.database, deploy=True)
def check_database_roles(app_configs=None, **kwargs):
    """grc.W010: one database role for schema and application makes the access log tamper-evident only."""
    if dbroles.has_separate_owner():
        return []
    return [
        checks.Warning(
            "The application connects as the role that owns the database schema.",
            hint=(
                "Set DATABASE_OWNER_URL to a distinct owner role (docs/operations.md): as long as the "
                "application's role owns the tables, it can switch off the access log's triggers, "
                "so the log is only tamper-evident (the hash chain shows changes), not tamper-proof."
            ),
            id="grc.W010",
        )
    ]


# The fixed keys of config/settings/dev.py and test.py: never in production.
_KNOWN_ACCESS_LOG_KEYS = {"dev-only-access-log-key-never-use-in-production", "test-only-access-log-key"}


def _production() -> bool:
    return not settings.DEBUG and not str(getattr(settings, "SETTINGS_MODULE", "")).endswith(".test")


@checks.register(checks.Tags.database, deploy=True)
def check_embedded_database(app_configs=None, **kwargs):
    """grc.W011: production settings on the embedded PostgreSQL (``config/embedded_db.py``), a development server."""
    if not getattr(settings, "EMBEDDED_DATABASE", None) or not _production():
        return []
    return [
        checks.Warning(
            "Production settings are running on the embedded PostgreSQL server (no DATABASE_URL).",
            hint=(
                "Set DATABASE_URL and DATABASE_OWNER_URL to a managed PostgreSQL server (docs/operations.md): the "
                "embedded server lives in var/pgdata on this machine, with its generated passwords in a file "
                "beside it, no backups, replicas or monitoring."
            ),
            id="grc.W011",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def check_access_log_key(app_configs=None, **kwargs):
    """grc.W012: the access log's seals signed with a development key or a short one."""
    key = getattr(settings, "ACCESS_LOG_HMAC_KEY", "")
    if not _production() or (key not in _KNOWN_ACCESS_LOG_KEYS and len(key) >= 32):
        return []
    return [
        checks.Warning(
            "ACCESS_LOG_HMAC_KEY is a development value or shorter than 32 characters.",
            hint=(
                "Generate one (python -c 'import secrets; print(secrets.token_hex(32))') and keep it out of the "
                "database and its backups (docs/data-protection.md, Integrity): whoever holds it can forge the "
                "access log's seals."
            ),
            id="grc.W012",
        )
    ]
