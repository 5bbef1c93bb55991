"""Writing the access log. Every read of personal data calls ``access_log_write``."""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone

from . import seal, sql
from .models import AccessLog, AccessLogSeal

_INSERT = (
    f"INSERT INTO {AccessLog._meta.db_table} "  # noqa: S608 (constant table name)
    "(actor_id, action, object_type, object_id, citizen_id, purpose, ip, request_id) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s::inet, %s) RETURNING id, seq, at"
)
_INSERT_DATED = "SELECT * FROM audit_accesslog_write_dated(%s, %s, %s, %s, %s, %s, %s, %s::inet, %s)"


def access_log_write(
    *,
    actor,
    action: str,
    citizen=None,
    obj=None,
    object_type: str = "",
    object_id: str | int = "",
    purpose: str = "",
    request=None,
    request_id: str = "",
) -> AccessLog:
    """Append one row to the access log, dated, numbered and hash chained by the database.

    ``request`` supplies the client IP and the request id set by ``RequestIdMiddleware``. No date may
    be given: the database refuses one from the application's role (``access_log_write_dated`` is the
    owner's path for past-dated rows).
    """
    return _write(
        _INSERT,
        actor=actor,
        action=action,
        citizen=citizen,
        obj=obj,
        object_type=object_type,
        object_id=object_id,
        purpose=purpose,
        request=request,
        request_id=request_id,
        at=None,
    )


_INSERT_EACH = (
    f"INSERT INTO {AccessLog._meta.db_table} "  # noqa: S608 (constant table name)
    "(actor_id, action, object_type, object_id, citizen_id, purpose, ip, request_id) "
    "SELECT %s, %s, %s, o, c, %s, %s::inet, %s FROM unnest(%s::bigint[], %s::text[]) WITH ORDINALITY AS u(c, o, n) "
    "ORDER BY n"
)


def access_log_write_each(
    *,
    actor,
    action: str,
    citizens: list[tuple[int, str | int]],
    object_type: str = "",
    purpose: str = "",
    request=None,
) -> int:
    """Append one row per ``(citizen id, object id)`` of ``citizens``, in that order, in one statement.

    For a page listing several people (the possible non-recours): each person shown gets their own row, so
    that the DPO asking who saw a person's data finds the page too. The chain trigger numbers and hashes the
    rows one by one, as for ``access_log_write``. Returns how many rows were written.
    """
    if not citizens:
        return 0
    actor_id, ip, request_id = _who_and_where(actor, request, "")
    ids = [int(citizen) for citizen, _ in citizens]
    objects = [str(obj)[:64] for _, obj in citizens]
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_EACH, [actor_id, action, object_type, purpose[:255], ip, request_id, ids, objects])
        return cursor.rowcount


def access_log_write_dated(
    *,
    at,
    actor,
    action: str,
    citizen=None,
    obj=None,
    object_type: str = "",
    object_id: str | int = "",
    purpose: str = "",
    request_id: str = "",
    using: str = DEFAULT_DB_ALIAS,
) -> AccessLog:
    """Append one row dated ``at`` (the past): the OWNER path, for the demo seeder and tests only.

    Goes through the SQL function ``audit_accesslog_write_dated`` (``SECURITY DEFINER``, owned by the
    tables' owner), which the runtime role may not execute in a deployment: run it as the owner
    (``GRC_DATABASE_ROLE=owner``, as ``make demo`` does); the test database grants it to the runtime
    role (tests/conftest.py). The row still gets its seq and hash from the chain trigger.
    """
    return _write(
        _INSERT_DATED,
        actor=actor,
        action=action,
        citizen=citizen,
        obj=obj,
        object_type=object_type,
        object_id=object_id,
        purpose=purpose,
        request=None,
        request_id=request_id,
        at=at,
        using=using,
    )


def may_write_dated(*, using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether this connection's role may write past-dated rows (``access_log_write_dated``)."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT has_function_privilege(current_user, %s, 'EXECUTE')", [sql.DATED_WRITE_FUNCTION])
        return cursor.fetchone()[0]


def _who_and_where(actor, request, request_id: str) -> tuple[int | None, str | None, str]:
    """(actor id, client IP, request id) of a row: the request, when given, supplies the last two."""
    ip = None
    if request is not None:
        ip = request.META.get("REMOTE_ADDR") or None
        request_id = getattr(request, "request_id", "")
    return (actor.pk if actor is not None and actor.is_authenticated else None), ip, request_id


def _write(
    statement,
    *,
    actor,
    action,
    citizen,
    obj,
    object_type,
    object_id,
    purpose,
    request,
    request_id,
    at,
    using: str = DEFAULT_DB_ALIAS,
) -> AccessLog:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    actor_id, ip, request_id = _who_and_where(actor, request, request_id)
    citizen_id = getattr(citizen, "pk", citizen)
    purpose = purpose[:255]
    object_id = str(object_id)
    # One INSERT through a plain cursor, not Model.save(): this runs on every read of personal data,
    # and the ORM's save path cost more than the insert itself (docs/benchmarks.md, "Access log at
    # scale"). Nothing listens to AccessLog's save signals. The trigger fills seq, prev_hash, hash
    # and the date.
    values = [actor_id, action, object_type, object_id, citizen_id, purpose, ip, request_id]
    db = connections[using] if using != DEFAULT_DB_ALIAS else connection
    with db.cursor() as cursor:
        cursor.execute(statement, values if statement == _INSERT else [at, *values])
        pk, seq, at = cursor.fetchone()
    entry = AccessLog(
        id=pk,
        seq=seq,
        at=at,
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        citizen_id=citizen_id,
        purpose=purpose,
        ip=ip,
        request_id=request_id,
    )
    entry._state.adding = False
    entry._state.db = db.alias
    return entry


def access_log_seal(*, reason: str, using: str = DEFAULT_DB_ALIAS) -> AccessLogSeal:
    """Seal the chain's current end (``grc.audit.seal``): a row of ``audit_accesslogseal`` signed with
    ``ACCESS_LOG_HMAC_KEY``, and, once committed, the same seal in the external anchor file.

    Called every 5 minutes by the scheduler (after checking the rows since the previous seal), after each
    verification that passed and after each purge. ``reason`` says which (``tick``, ``verification``, ``purge``).
    Cheap: two index lookups, no count (the chain after the purge anchor is contiguous, so its row count is
    ``seq - anchor_seq``, which verification checks).
    """
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute(f"SELECT seq, hash FROM {sql.ANCHOR_TABLE} ORDER BY seq DESC LIMIT 1")  # noqa: S608
        anchor_seq, anchor_hash = cursor.fetchone() or (0, "0" * 64)
        cursor.execute(f"SELECT seq, hash FROM {sql.TABLE} ORDER BY seq DESC LIMIT 1")  # noqa: S608
        last_seq, last_hash = cursor.fetchone() or (anchor_seq, anchor_hash)
        data = seal.SealData(
            seq=last_seq,
            hash=last_hash,
            rows=last_seq - anchor_seq,
            anchor_seq=anchor_seq,
            sealed_at=timezone.now(),
            key_id=seal.current_key_id(),
        )
        mac = seal.mac_of(data)
        # bulk_create: no save signals, so no (empty, pointless) history row for an append-only record.
        (row,) = AccessLogSeal.objects.using(using).bulk_create(
            [
                AccessLogSeal(
                    sealed_at=data.sealed_at,
                    seq=data.seq,
                    hash=data.hash,
                    rows=data.rows,
                    anchor_seq=data.anchor_seq,
                    key_id=data.key_id,
                    mac=mac,
                    reason=reason[:40],
                )
            ]
        )
        # Outside the database only once the seal is committed: a rolled-back seal never becomes the external one.
        transaction.on_commit(lambda: seal.write_anchor_file(data, mac, using=using), using=using)
    return row
