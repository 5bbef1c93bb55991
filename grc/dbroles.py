"""Two database roles: an OWNER that owns the schema and runs migrations, a RUNTIME role the application uses.

The runtime role (web, worker, scheduler, tests) gets DML on every table and nothing more: it cannot
alter, drop or switch off triggers, and on the append-only access log (``audit_accesslog``,
``audit_accessloganchor``, ``audit_accesslogseal``) it may only INSERT and SELECT. Old rows leave the log
only through the ``SECURITY DEFINER`` function ``audit_accesslog_purge`` (owned by the owner, runs as the
owner). Past-dated rows enter it only through ``audit_accesslog_write_dated``, which the runtime role may
not execute (the owner path: the demo seeder run as the owner, the test database's own grant).

Settings (``config/settings/base.py``): ``DATABASES["default"]`` holds the runtime credentials,
``DATABASE_OWNER`` the owner's (``USER``, ``PASSWORD``, ``HOST``, ``PORT``, ``OPTIONS``) or None
when a single role is configured, ``DATABASE_RUNTIME`` the runtime's (kept even when
``GRC_DATABASE_ROLE=owner`` puts the owner on the default alias).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings

CREDENTIAL_KEYS = ("USER", "PASSWORD", "HOST", "PORT", "OPTIONS")

# Tables the runtime role may only append to and read.
APPEND_ONLY_TABLES = ("audit_accesslog", "audit_accessloganchor", "audit_accesslogseal")
PURGE_FUNCTION = "audit_accesslog_purge(timestamptz, bigint, text)"
# Past-dated rows (seeders, tests): owner only, never granted by ``runtime_grants_sql``.
DATED_WRITE_FUNCTION = "audit_accesslog_write_dated(timestamptz, bigint, text, text, text, bigint, text, inet, text)"


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def runtime_grants_sql(runtime_role: str, database: str, server_version_num: int) -> list[str]:
    """Idempotent statements, run as the owner (or a superuser), giving ``runtime_role`` DML only.

    Run after every migration (new tables get no privileges by themselves). The access-log tables
    and the purge function may not exist yet (a fresh database): those statements check first.
    """
    role = quote_ident(runtime_role)
    maintain = server_version_num >= 170000  # MAINTAIN (VACUUM, ANALYZE, REINDEX...) exists since 17
    table_privileges = "SELECT, INSERT, UPDATE, DELETE, TRUNCATE"
    statements = [
        f"GRANT CONNECT, TEMPORARY ON DATABASE {quote_ident(database)} TO {role}",
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT {table_privileges} ON ALL TABLES IN SCHEMA public TO {role}",
    ]
    if maintain:
        # The search backend runs ANALYZE/VACUUM after a reindex, the demo loader ANALYZE.
        statements.append(f"GRANT MAINTAIN ON ALL TABLES IN SCHEMA public TO {role}")
    statements.append(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role}")
    revoked = "UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER" + (", MAINTAIN" if maintain else "")
    for table in APPEND_ONLY_TABLES:
        revoke = f"REVOKE {revoked} ON public.{quote_ident(table)} FROM {role}"
        statements.append(
            "DO $grc$ BEGIN "
            f"IF to_regclass({_quote_literal('public.' + table)}) IS NOT NULL THEN "
            f"EXECUTE {_quote_literal(revoke)}; END IF; END $grc$"
        )
    grant_purge = f"GRANT EXECUTE ON FUNCTION public.{PURGE_FUNCTION} TO {role}"
    statements.append(
        "DO $grc$ BEGIN "
        f"IF to_regprocedure({_quote_literal('public.' + PURGE_FUNCTION)}) IS NOT NULL THEN "
        f"EXECUTE {_quote_literal(grant_purge)}; END IF; END $grc$"
    )
    return statements


def owner_settings() -> dict | None:
    """The owner's credentials (``USER``, ``PASSWORD``, ``HOST``, ``PORT``, ``OPTIONS``), or None (one role)."""
    owner = getattr(settings, "DATABASE_OWNER", None)
    return dict(owner) if owner else None


def runtime_settings() -> dict | None:
    runtime = getattr(settings, "DATABASE_RUNTIME", None)
    return dict(runtime) if runtime else None


def has_separate_owner() -> bool:
    """True when an owner distinct from the runtime role is configured."""
    owner, runtime = owner_settings(), runtime_settings()
    return bool(owner and runtime and owner.get("USER") != runtime.get("USER"))


def credentials_of(connection) -> dict:
    return {key: connection.settings_dict.get(key) for key in CREDENTIAL_KEYS if key in connection.settings_dict}


def use_credentials(connection, credentials: dict) -> None:
    """Point ``connection`` at other credentials (closes it first; the next query reconnects)."""
    connection.close()
    for key in CREDENTIAL_KEYS:
        if key in credentials:
            connection.settings_dict[key] = copy.deepcopy(credentials[key])


def is_owner(connection) -> bool:
    owner = owner_settings()
    return bool(owner) and connection.settings_dict.get("USER") == owner.get("USER")


@contextmanager
def as_owner(connection) -> Iterator[bool]:
    """Run the block with ``connection`` on the owner's credentials, then put the old ones back.

    Yields whether the credentials were swapped (False: no owner configured, or already the owner).
    """
    owner = owner_settings()
    if not owner or is_owner(connection):
        yield False
        return
    previous = credentials_of(connection)
    use_credentials(connection, owner)
    try:
        yield True
    finally:
        use_credentials(connection, previous)


def grant_runtime(connection) -> list[str]:
    """Give the runtime role its privileges on ``connection``'s database (run as the owner).

    Does nothing (returns []) when a single role is configured. Returns the statements run.
    """
    if not has_separate_owner():
        return []
    runtime = runtime_settings()["USER"]
    connection.ensure_connection()
    statements = runtime_grants_sql(runtime, connection.settings_dict["NAME"], connection.pg_version)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    return statements
