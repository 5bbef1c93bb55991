import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from grc.audit.models import AccessLog, LogVerification
from grc.audit.services import access_log_write
from grc.audit.verify import verify_chain
from tests.audit.owner_chain import owner_write, tamper

pytestmark = pytest.mark.django_db


def _write(n, **kwargs):
    return [
        access_log_write(actor=None, action=AccessLog.Action.CITIZEN_VIEW, object_id=i, **kwargs) for i in range(n)
    ]


def test_rows_are_chained_by_hash():
    rows = _write(3)
    for row in rows:
        row.refresh_from_db()
    assert rows[0].prev_hash == "0" * 64
    assert rows[1].prev_hash == rows[0].hash
    assert rows[2].prev_hash == rows[1].hash
    assert [r.seq for r in rows] == [1, 2, 3]
    assert verify_chain().ok


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_accesslog SET purpose = 'x'",
        "DELETE FROM audit_accesslog",
        "TRUNCATE audit_accesslog",
    ],
)
def test_application_role_cannot_rewrite_the_log(statement):
    _write(1)
    # Refused by privileges (runtime role) or, with a single role, by the append-only triggers.
    with (
        pytest.raises(DatabaseError, match="permission denied|append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert AccessLog.objects.count() == 1


# Someone with the owner's rights (not the application) can switch the triggers off: the chain still tells.


@pytest.mark.django_db(databases=["default", "owner"])
def test_verification_detects_an_altered_row(owner_db):
    with owner_db.cursor() as cursor:
        owner_write(cursor, 3)
        assert verify_chain(using="owner").ok
        tamper(cursor, "UPDATE audit_accesslog SET purpose = 'maquillé' WHERE seq = 2")
    report = verify_chain(using="owner")
    assert (2, "altered row") in report.problems
    with pytest.raises(CommandError, match="corrompu"):
        call_command("verify_access_log", database="owner", verbosity=0)
    assert LogVerification.objects.using("owner").get().ok is False


@pytest.mark.django_db(databases=["default", "owner"])
def test_verification_detects_a_deleted_row(owner_db):
    with owner_db.cursor() as cursor:
        owner_write(cursor, 4)
        tamper(cursor, "DELETE FROM audit_accesslog WHERE seq = 2")
    report = verify_chain(using="owner")
    assert not report.ok
    assert any(reason in {"broken link", "missing row"} for _, reason in report.problems)


def test_request_id_and_ip_are_recorded(rf, staff_user):
    request = rf.get("/", REMOTE_ADDR="10.1.2.3")
    request.request_id = "abcdef0123456789"
    row = access_log_write(actor=staff_user, action=AccessLog.Action.CITIZEN_VIEW, request=request, object_id=1)
    row.refresh_from_db()
    assert (row.ip, row.request_id, row.actor_id) == ("10.1.2.3", "abcdef0123456789", staff_user.pk)
