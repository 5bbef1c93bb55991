"""The application runs as a runtime role with DML only; a separate owner holds the schema (grc.dbroles).

What makes the access log tamper-proof for the application: its role cannot rewrite the log, switch
the log's triggers off, drop it, or bypass triggers, and is no owner, superuser or member of the owner.
"""

import datetime

import pytest
from django.conf import settings
from django.core import checks
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

from grc import dbroles
from grc.audit.models import AccessLog, AccessLogAnchor
from grc.audit.retention import access_log_purge
from grc.audit.services import access_log_write

pytestmark = pytest.mark.django_db

LOG_TABLES = ["audit_accesslog", "audit_accessloganchor", "audit_accesslogseal"]
needs_two_roles = pytest.mark.skipif(not dbroles.has_separate_owner(), reason="a single database role is configured")


def _one(sql, using="default"):
    with connections[using].cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()


def _refused(statement, match="permission denied|must be owner|append-only"):
    with pytest.raises(DatabaseError, match=match), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)


def _write(n):
    return [access_log_write(actor=None, action=AccessLog.Action.CITIZEN_VIEW, object_id=i) for i in range(n)]


@needs_two_roles
@pytest.mark.django_db(databases=["default", "owner"])
def test_default_alias_is_the_runtime_role_and_owner_alias_the_owner_on_the_test_database(owner_db):
    runtime, database = _one("SELECT current_user, current_database()")
    owner, owner_database = _one("SELECT current_user, current_database()", using="owner")
    assert runtime == settings.DATABASE_RUNTIME["USER"]
    assert owner == settings.DATABASE_OWNER["USER"]
    assert runtime != owner
    assert database == owner_database == settings.DATABASES["default"]["NAME"]
    assert database.startswith("test_")


@needs_two_roles
@pytest.mark.django_db(databases=["default", "owner"])
def test_the_owner_owns_the_access_log(owner_db):
    (table_owner,) = _one("SELECT tableowner FROM pg_tables WHERE tablename = 'audit_accesslog'", using="owner")
    assert table_owner == settings.DATABASE_OWNER["USER"]
    (function_owner,) = _one(
        "SELECT pg_get_userbyid(proowner) FROM pg_proc WHERE proname = 'audit_accesslog_purge'", using="owner"
    )
    assert function_owner == settings.DATABASE_OWNER["USER"]


@needs_two_roles
def test_the_runtime_role_has_no_administrative_attribute_nor_the_owners_rights():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper, rolcreatedb, rolcreaterole, pg_has_role(current_user, %s, 'MEMBER') "
            "FROM pg_roles WHERE rolname = current_user",
            [settings.DATABASE_OWNER["USER"]],
        )
        superuser, createdb, createrole, member = cursor.fetchone()
    assert (superuser, createdb, createrole, member) == (False, False, False, False)


@needs_two_roles
@pytest.mark.parametrize("table", LOG_TABLES)
@pytest.mark.parametrize(
    "statement",
    ["UPDATE {t} SET seq = seq", "DELETE FROM {t}", "TRUNCATE {t}"],
    ids=["update", "delete", "truncate"],
)
def test_the_runtime_role_may_not_update_delete_or_truncate_the_log(statement, table):
    _write(1)
    _refused(statement.format(t=table), match="permission denied")
    assert AccessLog.objects.count() == 1


@needs_two_roles
@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE audit_accesslog DISABLE TRIGGER USER",
        "ALTER TABLE audit_accesslog DISABLE TRIGGER audit_accesslog_no_update",
        "ALTER TABLE audit_accessloganchor DISABLE TRIGGER USER",
        "DROP TABLE audit_accesslog",
        "DROP TRIGGER audit_accesslog_chain ON audit_accesslog",
        "CREATE OR REPLACE FUNCTION audit_accesslog_refuse() RETURNS trigger AS $$ BEGIN RETURN OLD; END $$"
        " LANGUAGE plpgsql",
        "SET session_replication_role = replica",
    ],
    ids=[
        "disable-triggers",
        "disable-one-trigger",
        "disable-anchor-triggers",
        "drop",
        "drop-trigger",
        "replace-function",
        "replication-role",
    ],
)
def test_the_runtime_role_may_not_switch_the_log_protection_off(statement):
    _refused(statement, match="permission denied|must be owner")


@needs_two_roles
def test_the_runtime_role_still_writes_reads_and_purges_through_the_function():
    _write(3)
    assert [r.seq for r in AccessLog.objects.order_by("seq")] == [1, 2, 3]
    summary = access_log_purge(before=timezone.now() + datetime.timedelta(seconds=1), dry_run=False)
    assert (summary.rows, summary.anchor_seq) == (3, 3)
    assert not AccessLog.objects.exists()
    assert AccessLogAnchor.objects.get().seq == 3
    assert _write(1)[0].seq == 4


def test_grant_statements_quote_names_and_follow_the_server_version():
    statements = dbroles.runtime_grants_sql('app"role', "my db", 180000)
    assert statements[0] == 'GRANT CONNECT, TEMPORARY ON DATABASE "my db" TO "app""role"'
    assert any("GRANT MAINTAIN" in s for s in statements)
    assert not any("MAINTAIN" in s for s in dbroles.runtime_grants_sql("app", "db", 160000))
    revokes = [s for s in statements if "REVOKE" in s]
    assert len(revokes) == 3 and all("MAINTAIN" in s and "TRUNCATE" in s for s in revokes)


@needs_two_roles
@pytest.mark.django_db(databases=["default", "owner"])
def test_runtime_grants_are_idempotent_and_leave_the_log_append_only(owner_db):
    dbroles.grant_runtime(owner_db)
    dbroles.grant_runtime(owner_db)
    runtime = settings.DATABASE_RUNTIME["USER"]

    def can(table, privilege):
        with owner_db.cursor() as cursor:
            cursor.execute("SELECT has_table_privilege(%s, %s, %s)", [runtime, table, privilege])
            return cursor.fetchone()[0]

    for table in LOG_TABLES:
        assert (can(table, "SELECT"), can(table, "INSERT")) == (True, True)
        assert not any(can(table, p) for p in ["UPDATE", "DELETE", "TRUNCATE", "TRIGGER", "REFERENCES", "MAINTAIN"])
    assert all(can("grc_citizen", p) for p in ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "MAINTAIN"])
    with owner_db.cursor() as cursor:
        cursor.execute(
            "SELECT has_function_privilege(%s, 'audit_accesslog_purge(timestamptz, bigint, text)', 'EXECUTE')",
            [runtime],
        )
        assert cursor.fetchone()[0]


def test_single_role_configuration_warns_on_deploy_check(settings):
    settings.DATABASE_OWNER = None
    warnings = checks.run_checks(tags=[checks.Tags.database], include_deployment_checks=True)
    assert any(m.id == "grc.W010" for m in warnings)
    settings.DATABASE_OWNER = dict(settings.DATABASE_RUNTIME, USER="someone_else")
    warnings = checks.run_checks(tags=[checks.Tags.database], include_deployment_checks=True)
    assert not any(m.id == "grc.W010" for m in warnings)
