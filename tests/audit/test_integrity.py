"""The log's integrity: append-only for the application's role, hash chain, sanctioned purge with anchor."""

import datetime

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from grc.audit.models import AccessLog, AccessLogAnchor, LogVerification
from grc.audit.retention import access_log_purge
from grc.audit.services import access_log_write
from grc.audit.verify import verify_chain

pytestmark = pytest.mark.django_db


def _write(n):
    rows = [access_log_write(actor=None, action=AccessLog.Action.CITIZEN_VIEW, object_id=i) for i in range(n)]
    return rows


def _backdate(seqs, when):
    """Test-only: give rows an old date and re-chain them (as the table owner, triggers off)."""
    from grc.audit import sql

    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_accesslog DISABLE TRIGGER USER")
        cursor.execute("UPDATE audit_accesslog SET at = %s WHERE seq = ANY(%s)", [when, list(seqs)])
        # Recompute every hash in order so the chain is valid again.
        cursor.execute("SELECT seq FROM audit_accesslog ORDER BY seq")
        prev = "0" * 64
        for (seq,) in cursor.fetchall():
            cursor.execute(
                f"UPDATE audit_accesslog r SET prev_hash = %s WHERE seq = %s RETURNING {sql.ROW_HASH.format(r='r')}",  # noqa: S608
                [prev, seq],
            )
            (prev,) = cursor.fetchone()
            cursor.execute("UPDATE audit_accesslog SET hash = %s WHERE seq = %s", [prev, seq])
        cursor.execute("ALTER TABLE audit_accesslog ENABLE TRIGGER USER")


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
    _write(2)
    access_log_purge(before=timezone.now() + datetime.timedelta(seconds=1), dry_run=False)
    _write(1)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert AccessLog.objects.count() == 1
    assert AccessLogAnchor.objects.count() == 1


def test_a_delete_with_a_forged_purge_setting_but_no_anchor_is_refused():
    _write(3)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('grc.audit_purge_upto', '3', true)")
        cursor.execute("DELETE FROM audit_accesslog")
    assert AccessLog.objects.count() == 3


def test_purge_leaves_an_anchor_and_the_rest_still_verifies_and_detects_tampering():
    _write(5)
    old = timezone.now() - datetime.timedelta(days=400)
    _backdate([1, 2, 3], old)
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

    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_accesslog DISABLE TRIGGER audit_accesslog_no_update")
        cursor.execute("UPDATE audit_accesslog SET object_id = '999' WHERE seq = 5")
        cursor.execute("ALTER TABLE audit_accesslog ENABLE TRIGGER audit_accesslog_no_update")
    report = verify_chain()
    assert (5, "altered row") in report.problems


def test_purging_everything_keeps_the_chain_going_from_the_anchor():
    _write(2)
    access_log_purge(before=timezone.now() + datetime.timedelta(seconds=5), dry_run=False)
    assert not AccessLog.objects.exists()
    row = _write(1)[0]
    row.refresh_from_db()
    assert row.seq == 3
    assert row.prev_hash == AccessLogAnchor.objects.get().hash
    assert verify_chain().ok


def test_a_failed_verification_is_recorded_with_the_first_bad_seq():
    _write(3)
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_accesslog DISABLE TRIGGER audit_accesslog_no_update")
        cursor.execute("UPDATE audit_accesslog SET purpose = 'maquillé' WHERE seq = 2")
        cursor.execute("ALTER TABLE audit_accesslog ENABLE TRIGGER audit_accesslog_no_update")
    with pytest.raises(Exception, match="corrompu"):
        call_command("verify_access_log", verbosity=0)
    run = LogVerification.objects.get()
    assert (run.ok, run.first_bad_seq, run.rows_checked) == (False, 2, 3)
