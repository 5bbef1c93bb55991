"""Access-log rows written and tampered with through the ``owner`` alias (see ``owner_db`` in tests/conftest.py).

Tampering needs the owner's rights (switching the log's triggers off), so these tests write their
rows on the owner's connection too: rows written through ``default`` are in another, uncommitted
transaction it cannot see.
"""

from grc.audit.models import AccessLog


def owner_write(cursor, n, *, at=None):
    """Append ``n`` rows with plain INSERTs (the trigger chains them); returns their seqs."""
    seqs = []
    for i in range(n):
        cursor.execute(
            "INSERT INTO audit_accesslog (at, actor_id, action, object_type, object_id, citizen_id, purpose, ip,"
            " request_id) VALUES (coalesce(%s, now()), NULL, %s, '', %s, NULL, '', NULL, '') RETURNING seq",
            [at, AccessLog.Action.CITIZEN_VIEW, str(i)],
        )
        seqs.append(cursor.fetchone()[0])
    return seqs


def tamper(cursor, statement, params=None, *, trigger="audit_accesslog_no_update"):
    """Run ``statement`` with the log's refusing trigger switched off, as its owner could."""
    cursor.execute(f"ALTER TABLE audit_accesslog DISABLE TRIGGER {trigger}")
    cursor.execute(statement, params)
    cursor.execute(f"ALTER TABLE audit_accesslog ENABLE TRIGGER {trigger}")
