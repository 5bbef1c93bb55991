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
from grc.audit.services import access_log_write, access_log_write_dated, access_log_write_each
from grc.audit.verify import verify_chain
from tests.audit.owner_chain import owner_write, tamper
from tests.factories import CitizenFactory, UserFactory

pytestmark = pytest.mark.django_db


def _write(n, *, at=None):
    return [
        access_log_write_dated(actor=None, action=AccessLog.Action.CITIZEN_VIEW, object_id=i, at=at) for i in range(n)
    ]


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


def test_purge_leaves_an_anchor_and_the_rest_still_verifies(django_capture_on_commit_callbacks):
    old = timezone.now() - datetime.timedelta(days=400)
    _write(3, at=old)  # the chain orders by seq, not date: old-dated rows are ordinary rows
    _write(2)
    assert verify_chain().ok

    cutoff = timezone.now() - datetime.timedelta(days=365)
    dry = access_log_purge(before=cutoff, dry_run=True)
    assert (dry.rows, dry.anchor_seq) == (3, 3)
    assert AccessLog.objects.count() == 5

    with django_capture_on_commit_callbacks(execute=True):  # the purge's seal reaches the external file
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


# --- the floor the database keeps under every purge ------------------------------------------------


@pytest.fixture
def purge_floor_30_days():
    """The database's purge floor raised to 30 days, committed by the owner for one test, then put back.

    On a connection of its own: the test's transaction (where the purge runs) must see it committed.
    """
    from django.db import connections

    from grc.audit import sql

    owner = connections.create_connection("owner" if dbroles.has_separate_owner() else "default")
    try:
        with owner.cursor() as cursor:
            cursor.execute(sql.min_retention_sql(30))
        yield
    finally:
        with owner.cursor() as cursor:
            cursor.execute(sql.min_retention_sql(settings.ACCESS_LOG_MIN_RETENTION_DAYS))
        owner.close()


@pytest.mark.django_db(databases=["default", "owner"])
def test_the_database_refuses_a_purge_more_recent_than_its_floor(purge_floor_30_days):
    from grc.audit.retention import min_retention_days

    _write(2)
    assert min_retention_days() == 30
    # Called directly, as the application's role may: refused by the function, nothing deleted.
    for before in (timezone.now() + datetime.timedelta(days=1), timezone.now() - datetime.timedelta(days=29)):
        with (
            pytest.raises(DatabaseError, match="younger than 30 days"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("SELECT * FROM audit_accesslog_purge(%s, NULL, 'effacer la trace')", [before])
    with pytest.raises(DatabaseError, match="younger than 30 days"), transaction.atomic(), connection.cursor() as c:
        c.execute("SELECT * FROM audit_accesslog_purge(NULL, NULL, '')")
    assert AccessLog.objects.count() == 2 and not AccessLogAnchor.objects.exists()
    # The Python entry point says so before asking; an old enough cut-off is accepted (nothing that old here).
    with pytest.raises(ValueError, match="younger than 30 days"):
        access_log_purge(before=timezone.now() - datetime.timedelta(days=10), dry_run=False)
    assert access_log_purge(before=timezone.now() - datetime.timedelta(days=31), dry_run=False).rows == 0
    assert AccessLog.objects.count() == 2


@pytest.mark.skipif(not dbroles.has_separate_owner(), reason="a single database role is configured")
@pytest.mark.django_db(databases=["default", "owner"])
def test_the_application_role_cannot_lower_the_floor(purge_floor_30_days):
    from grc.audit.retention import min_retention_days, set_min_retention_days

    with pytest.raises(DatabaseError, match="must be owner|permission denied"), transaction.atomic():
        set_min_retention_days(0)
    # A function of the same name in the session's own schema does not shadow the owner's one.
    with pytest.raises(DatabaseError, match="younger than 30 days"), transaction.atomic(), connection.cursor() as c:
        c.execute(
            "CREATE FUNCTION pg_temp.audit_accesslog_min_retention_days() RETURNS integer AS 'SELECT 0' LANGUAGE sql"
        )
        c.execute("SELECT * FROM audit_accesslog_purge(now(), NULL, '')")
    assert min_retention_days() == 30


def test_the_console_shows_each_purge_and_the_floor(dpo_client, dpo):
    from django.urls import reverse

    _write(2, at=timezone.now() - datetime.timedelta(days=400))
    _write(1)
    access_log_purge(
        before=timezone.now() - datetime.timedelta(days=365), actor=dpo, dry_run=False, reason="règle 12 mois"
    )
    page = dpo_client.get(reverse("backoffice:dpo_home")).content.decode()
    assert "Purges du journal" in page and "règle 12 mois" in page
    assert "<td>2</td><td>n° 2</td>" in page.replace("\n", "")
    assert "de moins de 0 jour" in page  # the floor the database holds (0 in tests)


def test_one_row_per_person_of_a_list_page_is_chained_like_single_rows():
    """A page listing several people logs one row each, in one statement: in the given order, numbered and
    hashed by the trigger, and the chain verifies."""
    reader = UserFactory(staff=True)
    people = [CitizenFactory(), CitizenFactory(), CitizenFactory()]
    access_log_write(actor=reader, action=AccessLog.Action.CITIZEN_SEARCH)
    written = access_log_write_each(
        actor=reader,
        action=AccessLog.Action.RIGHTS_NONRECOURS_LIST,
        citizens=[(person.pk, f"row-{i}") for i, person in enumerate(people)],
        object_type="droits.nonrecours",
        purpose="non-recours possibles, page 1",
    )
    assert written == 3
    rows = list(AccessLog.objects.filter(actor=reader).order_by("seq"))
    assert [r.action for r in rows] == ["citizen.search"] + ["droits.nonrecours"] * 3
    assert [r.citizen_id for r in rows[1:]] == [p.pk for p in people]
    assert [r.object_id for r in rows[1:]] == ["row-0", "row-1", "row-2"]
    assert [r.seq for r in rows] == list(range(rows[0].seq, rows[0].seq + 4))
    assert verify_chain().ok
    assert access_log_write_each(actor=reader, action=AccessLog.Action.RIGHTS_NONRECOURS_LIST, citizens=[]) == 0
