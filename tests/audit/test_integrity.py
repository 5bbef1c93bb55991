"""The log's integrity: append-only for the application's role, hash chain, sanctioned purge with anchor."""

import datetime

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from grc import dbroles
from grc.audit.models import AccessLog, AccessLogAnchor, LogVerification
from grc.audit.retention import access_log_purge
from grc.audit.services import access_log_write
from grc.audit.verify import verify_chain
from tests.audit.owner_chain import owner_write, tamper

pytestmark = pytest.mark.django_db


def _write(n, *, at=None):
    return [access_log_write(actor=None, action=AccessLog.Action.CITIZEN_VIEW, object_id=i, at=at) for i in range(n)]


def _current_role():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")
        return cursor.fetchone()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_accesslog SET purpose = 'x'",
        "DELETE FROM audit_accesslog",
        "TRUNCATE audit_accesslog",
        "UPDATE audit_accessloganchor SET seq = 0",
        "DELETE FROM audit_accessloganchor",
    ],
)
def test_the_application_role_cannot_rewrite_the_log(statement):
    role, superuser = _current_role()
    assert not superuser, "tests must run as the application's (non-superuser) role"
    if dbroles.has_separate_owner():
        assert role != settings.DATABASE_OWNER["USER"], "tests must run as the runtime role, not the owner"
    _write(2)
    access_log_purge(before=timezone.now() + datetime.timedelta(seconds=1), dry_run=False)
    _write(1)
    # The runtime role has no UPDATE/DELETE/TRUNCATE privilege on the log; with a single role the
    # append-only triggers refuse.
    with (
        pytest.raises(DatabaseError, match="permission denied|append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert AccessLog.objects.count() == 1
    assert AccessLogAnchor.objects.count() == 1


def test_a_delete_with_a_forged_purge_setting_but_no_anchor_is_refused():
    _write(3)
    with (
        pytest.raises(DatabaseError, match="permission denied|append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SELECT set_config('grc.audit_purge_upto', '3', true)")
        cursor.execute("DELETE FROM audit_accesslog")
    assert AccessLog.objects.count() == 3


@pytest.mark.django_db(databases=["default", "owner"])
def test_even_the_owner_cannot_delete_with_a_forged_purge_setting_while_the_triggers_are_on(owner_db):
    with owner_db.cursor() as cursor:
        owner_write(cursor, 3)
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(using="owner"):
            cursor.execute("SELECT set_config('grc.audit_purge_upto', '3', true)")
            cursor.execute("DELETE FROM audit_accesslog")
        cursor.execute("SELECT count(*) FROM audit_accesslog")
        assert cursor.fetchone() == (3,)


def test_purge_leaves_an_anchor_and_the_rest_still_verifies():
    old = timezone.now() - datetime.timedelta(days=400)
    _write(3, at=old)  # the chain orders by seq, not date: old-dated rows are ordinary rows
    _write(2)
    assert verify_chain().ok

    cutoff = timezone.now() - datetime.timedelta(days=365)
    dry = access_log_purge(before=cutoff, dry_run=True)
    assert (dry.rows, dry.anchor_seq) == (3, 3)
    assert AccessLog.objects.count() == 5

    summary = access_log_purge(before=cutoff, actor=None, dry_run=False, reason="test")
    assert (summary.rows, summary.anchor_seq) == (3, 3)
    assert sorted(AccessLog.objects.values_list("seq", flat=True)) == [4, 5]
    anchor = AccessLogAnchor.objects.get()
    assert (anchor.seq, anchor.purged_rows) == (3, 3)
    report = verify_chain()
    assert report.ok and report.checked == 2 and report.anchor_seq == 3

    # New rows continue the chain; a second purge with nothing old is a no-op.
    _write(1)
    assert access_log_purge(before=cutoff, dry_run=False).rows == 0
    call_command("verify_access_log", verbosity=0)
    assert LogVerification.objects.latest("started_at").ok is True


@pytest.mark.django_db(databases=["default", "owner"])
def test_verification_still_detects_tampering_after_a_purge(owner_db):
    old = timezone.now() - datetime.timedelta(days=400)
    with owner_db.cursor() as cursor:
        owner_write(cursor, 3, at=old)
        owner_write(cursor, 2)
        cursor.execute(
            "SELECT * FROM audit_accesslog_purge(%s, NULL, 'test')", [timezone.now() - datetime.timedelta(days=365)]
        )
        assert cursor.fetchone() == (3, 3)
        report = verify_chain(using="owner")
        assert report.ok and (report.checked, report.anchor_seq) == (2, 3)
        tamper(cursor, "UPDATE audit_accesslog SET object_id = '999' WHERE seq = 5")
    report = verify_chain(using="owner")
    assert report.problems == [(5, "altered row")]


def test_purging_everything_keeps_the_chain_going_from_the_anchor():
    _write(2)
    access_log_purge(before=timezone.now() + datetime.timedelta(seconds=5), dry_run=False)
    assert not AccessLog.objects.exists()
    row = _write(1)[0]
    row.refresh_from_db()
    assert row.seq == 3
    assert row.prev_hash == AccessLogAnchor.objects.get().hash
    assert verify_chain().ok


@pytest.mark.django_db(databases=["default", "owner"])
def test_a_failed_verification_is_recorded_with_the_first_bad_seq(owner_db):
    with owner_db.cursor() as cursor:
        owner_write(cursor, 3)
        tamper(cursor, "UPDATE audit_accesslog SET purpose = 'maquillé' WHERE seq = 2")
    with pytest.raises(Exception, match="corrompu"):
        call_command("verify_access_log", database="owner", verbosity=0)
    run = LogVerification.objects.using("owner").get()
    assert (run.ok, run.first_bad_seq, run.rows_checked) == (False, 2, 3)
