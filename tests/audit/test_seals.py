"""Forgery of the access log by someone with more rights than the application: the database's owner.

The hash chain alone shows naive edits. These tests play the attacks it does not show — a row rewritten
and the chain recomputed with the trigger's own formula, the last rows cut, a seal forged — and check
that the signed seals (``grc.audit.seal``) and the external anchor file reveal each of them. They also
check the runtime role can no longer choose a row's date, number or hash.
"""

import datetime

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from grc import dbroles
from grc.audit import seal, sql
from grc.audit.models import AccessLog, AccessLogSeal, LogVerification
from grc.audit.retention import access_log_purge
from grc.audit.services import access_log_seal, access_log_write, access_log_write_dated
from grc.audit.verify import seal_if_intact, verify_and_record, verify_chain, verify_seals
from tests.audit.owner_chain import owner_write, tamper

pytestmark = pytest.mark.django_db
OWNER = ["default", "owner"]


# --- the database dates and numbers every row ------------------------------------------------------


def test_the_runtime_role_cannot_date_a_row_in_the_past(worker_a):
    with (
        pytest.raises(DatabaseError, match="dates its rows itself"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "INSERT INTO audit_accesslog (at, actor_id, action, object_type, object_id, purpose, request_id)"
            " VALUES ('2025-01-15 10:00+00', %s, 'citizen.view', 'grc.citizen', '1', '', '')",
            [worker_a.pk],
        )
    assert not AccessLog.objects.exists()


@pytest.mark.parametrize(
    "columns, values",
    [("seq", "999"), ("prev_hash", "repeat('a', 64)"), ("hash", "repeat('b', 64)")],
)
def test_nobody_chooses_a_rows_number_or_hash(columns, values):
    with (
        pytest.raises(DatabaseError, match="numbers and chains its rows itself"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            f"INSERT INTO audit_accesslog ({columns}, action, object_type, object_id, purpose, request_id)"  # noqa: S608
            f" VALUES ({values}, 'citizen.view', '', '1', '', '')"
        )


def test_a_row_written_by_the_application_is_dated_now():
    before = timezone.now()
    row = access_log_write(actor=None, action=AccessLog.Action.CITIZEN_VIEW, object_id=1)
    row.refresh_from_db()
    assert before - datetime.timedelta(seconds=5) <= row.at <= timezone.now() + datetime.timedelta(seconds=5)


def test_past_dated_rows_are_the_owners_path_never_granted_to_the_runtime_role():
    statements = " ".join(dbroles.runtime_grants_sql("grc", "grc", 180000))
    assert "audit_accesslog_write_dated" not in statements
    with connection.cursor() as cursor:
        cursor.execute("SELECT proacl::text FROM pg_proc WHERE proname = 'audit_accesslog_write_dated'")
        (acl,) = cursor.fetchone()
    # No "=X/" entry: PUBLIC may not execute it (the runtime role's entry is the test database's own grant).
    assert not any(entry.startswith("=") for entry in acl.strip("{}").split(","))
    old = access_log_write_dated(at=timezone.now() - datetime.timedelta(days=400), actor=None, action="export")
    old.refresh_from_db()
    assert old.at < timezone.now() - datetime.timedelta(days=399)


# --- attacks with the owner's rights ------------------------------------------------------------------


def _seal_as_owner(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True, using="owner"):
        return access_log_seal(reason="test", using="owner")


def _recompute_chain_from(cursor, first_seq):
    """What an owner can do: rewrite hashes with the trigger's formula, row after row."""
    cursor.execute("SELECT max(seq) FROM audit_accesslog")
    (last,) = cursor.fetchone()
    for seq in range(first_seq, last + 1):
        tamper(
            cursor,
            "UPDATE audit_accesslog SET prev_hash = (SELECT hash FROM audit_accesslog WHERE seq = %s) WHERE seq = %s",
            [seq - 1, seq],
        )
        tamper(cursor, f"UPDATE audit_accesslog r SET hash = {sql.ROW_HASH.format(r='r')} WHERE seq = %s", [seq])  # noqa: S608


@pytest.mark.django_db(databases=OWNER)
def test_a_row_rewritten_and_the_chain_recomputed_is_detected(owner_db, django_capture_on_commit_callbacks):
    with owner_db.cursor() as cursor:
        owner_write(cursor, 5)
        _seal_as_owner(django_capture_on_commit_callbacks)
        tamper(cursor, "UPDATE audit_accesslog SET actor_id = 4242, purpose = 'maquillé' WHERE seq = 2")
        _recompute_chain_from(cursor, 2)
    # The chain alone is fooled: every link and hash verifies.
    assert verify_chain(using="owner").ok
    problems = verify_seals(using="owner")
    assert any(seq == 5 and "chain recomputed" in reason for seq, reason in problems)
    assert any("row attested by the external anchor changed" in reason for _seq, reason in problems)
    with pytest.raises(Exception, match="corrompu"):
        call_command("verify_access_log", database="owner", verbosity=0)
    run = LogVerification.objects.using("owner").get()
    assert run.ok is False and "chain recomputed" in run.message


@pytest.mark.django_db(databases=OWNER)
def test_a_cut_tail_is_detected_even_with_the_seals_deleted(owner_db, django_capture_on_commit_callbacks):
    with owner_db.cursor() as cursor:
        owner_write(cursor, 6)
        _seal_as_owner(django_capture_on_commit_callbacks)
        tamper(cursor, "DELETE FROM audit_accesslog WHERE seq > 3")
    assert verify_chain(using="owner").ok  # what is left is a consistent chain
    assert any("sealed row missing" in reason for _seq, reason in verify_seals(using="owner"))
    # The owner deletes the seals too: the file outside the database still says the log reached seq 6.
    with owner_db.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_accesslogseal DISABLE TRIGGER audit_seal_no_update")
        cursor.execute("DELETE FROM audit_accesslogseal")
        cursor.execute("ALTER TABLE audit_accesslogseal ENABLE TRIGGER audit_seal_no_update")
    problems = verify_seals(using="owner")
    reasons = " ".join(reason for _seq, reason in problems)
    assert "log cut: it ends at seq 3, the external anchor attests seq 6" in reasons
    assert "external anchor not in the database" in reasons


@pytest.mark.django_db(databases=OWNER)
def test_a_forged_seal_is_detected(owner_db, django_capture_on_commit_callbacks):
    with owner_db.cursor() as cursor:
        owner_write(cursor, 3)
        _seal_as_owner(django_capture_on_commit_callbacks)
        tamper(cursor, "UPDATE audit_accesslog SET purpose = 'maquillé' WHERE seq = 3")
        _recompute_chain_from(cursor, 3)
        # The owner writes a seal of the rewritten end; without the key, the MAC is made up.
        cursor.execute("SELECT hash FROM audit_accesslog WHERE seq = 3")
        (new_hash,) = cursor.fetchone()
        cursor.execute(
            "INSERT INTO audit_accesslogseal (sealed_at, seq, hash, rows, anchor_seq, key_id, mac, reason)"
            " VALUES (now(), 3, %s, 3, 0, %s, %s, 'tick')",
            [new_hash, seal.current_key_id(), "f" * 64],
        )
    problems = verify_seals(using="owner")
    assert any("forged (its MAC does not verify)" in reason for _seq, reason in problems)
    assert any("chain recomputed" in reason for _seq, reason in problems)


@pytest.mark.django_db(databases=OWNER)
def test_a_forged_external_anchor_is_detected(owner_db, django_capture_on_commit_callbacks):
    with owner_db.cursor() as cursor:
        owner_write(cursor, 2)
    _seal_as_owner(django_capture_on_commit_callbacks)
    path = seal.anchor_path("owner")
    path.write_text(path.read_text().replace('"rows": 2', '"rows": 1'))
    assert any("external anchor forged" in reason for _seq, reason in verify_seals(using="owner"))


def test_a_missing_external_anchor_is_reported(django_capture_on_commit_callbacks):
    access_log_write(actor=None, action=AccessLog.Action.CITIZEN_VIEW, object_id=1)
    with django_capture_on_commit_callbacks(execute=True):
        access_log_seal(reason="test")
    assert verify_seals() == []
    seal.anchor_path().unlink()
    problems = verify_seals()
    assert len(problems) == 1 and "external anchor file missing" in problems[0][1]
    run, report = verify_and_record()
    assert run.ok is False and "external anchor file missing" in run.message


def test_verification_seals_what_it_verified_and_the_seal_reaches_the_file(django_capture_on_commit_callbacks):
    for i in range(3):
        access_log_write(actor=None, action=AccessLog.Action.CITIZEN_VIEW, object_id=i)
    with django_capture_on_commit_callbacks(execute=True):
        run, report = verify_and_record()
    assert run.ok is True
    sealed = AccessLogSeal.objects.get()
    data, mac = seal.read_anchor_file()
    assert (data.seq, data.hash, data.rows, mac) == (sealed.seq, sealed.hash, 3, sealed.mac)
    assert oct(seal.anchor_path().stat().st_mode & 0o777) == "0o600"


def test_the_retention_purge_with_its_seals_still_verifies(django_capture_on_commit_callbacks):
    old = timezone.now() - datetime.timedelta(days=400)
    for i in range(4):
        access_log_write_dated(at=old, actor=None, action=AccessLog.Action.CITIZEN_VIEW, object_id=i)
    access_log_write(actor=None, action=AccessLog.Action.CITIZEN_VIEW, object_id=9)
    with django_capture_on_commit_callbacks(execute=True):
        access_log_seal(reason="tick")
        summary = access_log_purge(before=timezone.now() - datetime.timedelta(days=365), dry_run=False)
    assert summary.rows == 4
    assert AccessLogSeal.objects.latest("id").reason == "purge"
    assert verify_seals() == []
    with django_capture_on_commit_callbacks(execute=True):
        run, report = verify_and_record()
    assert run.ok is True and report.anchor_seq == 4


@pytest.mark.django_db(databases=OWNER)
def test_a_purge_nobody_sealed_is_reported(owner_db, django_capture_on_commit_callbacks):
    with owner_db.cursor() as cursor:
        owner_write(cursor, 4)
        _seal_as_owner(django_capture_on_commit_callbacks)
        # The SQL function called directly (no seal after it): what a forged purge looks like.
        cursor.execute("SELECT * FROM audit_accesslog_purge(now() + interval '1 second', NULL, '')")
    assert any("sealed nowhere" in reason for _seq, reason in verify_seals(using="owner"))


def test_seals_signed_with_a_rotated_key_verify_while_that_key_is_kept(settings, django_capture_on_commit_callbacks):
    access_log_write(actor=None, action=AccessLog.Action.CITIZEN_VIEW, object_id=1)
    with django_capture_on_commit_callbacks(execute=True):
        access_log_seal(reason="tick")
    first_key = settings.ACCESS_LOG_HMAC_KEY
    settings.ACCESS_LOG_HMAC_KEY = "a-new-key-after-rotation-0123456789"
    settings.ACCESS_LOG_HMAC_OLD_KEYS = [first_key]
    assert verify_seals() == []
    with django_capture_on_commit_callbacks(execute=True):
        access_log_seal(reason="tick")
    assert AccessLogSeal.objects.latest("id").key_id == seal.key_id("a-new-key-after-rotation-0123456789")
    settings.ACCESS_LOG_HMAC_OLD_KEYS = []
    assert any("unknown key" in reason for _seq, reason in verify_seals())


@pytest.mark.django_db(databases=OWNER)
def test_the_scheduled_seal_refuses_to_seal_a_rewritten_log_and_tells_the_dpo(
    owner_db, django_capture_on_commit_callbacks
):
    with owner_db.cursor() as cursor:
        owner_write(cursor, 3)
    with django_capture_on_commit_callbacks(execute=True, using="owner"):
        assert seal_if_intact(using="owner") == (True, [])
    with owner_db.cursor() as cursor:
        owner_write(cursor, 2)
        tamper(cursor, "UPDATE audit_accesslog SET purpose = 'x' WHERE seq = 3")
        _recompute_chain_from(cursor, 3)
    sealed, problems = seal_if_intact(using="owner")
    assert sealed is False and problems
    assert AccessLogSeal.objects.using("owner").count() == 1
    failure = LogVerification.objects.using("owner").get()
    assert failure.ok is False and failure.first_bad_seq == 3
