"""Writing the access log. Every read of personal data calls ``access_log_write``."""

from __future__ import annotations

from django.db import connection

from .models import AccessLog

_INSERT = (
    f"INSERT INTO {AccessLog._meta.db_table} "  # noqa: S608 (constant table name)
    "(at, actor_id, action, object_type, object_id, citizen_id, purpose, ip, request_id) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s::inet, %s) RETURNING id, seq, at"
)


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
    at=None,
    request_id: str = "",
) -> AccessLog:
    """Append one row to the access log (hash chained by the database).

    ``request`` supplies the client IP and the request id set by ``RequestIdMiddleware``. ``at``
    (default: the transaction's time) is for the demo seeder and tests only; the chain orders
    rows by ``seq`` whatever their date.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    ip = None
    if request is not None:
        ip = request.META.get("REMOTE_ADDR") or None
        request_id = getattr(request, "request_id", "")
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    citizen_id = getattr(citizen, "pk", citizen)
    purpose = purpose[:255]
    object_id = str(object_id)
    # One INSERT through a plain cursor, not Model.save(): this runs on every read of personal data,
    # and the ORM's save path cost more than the insert itself (docs/benchmarks.md, "Access log at
    # scale"). Nothing listens to AccessLog's save signals. The trigger fills seq, prev_hash, hash
    # and, when ``at`` is NULL, the date.
    with connection.cursor() as cursor:
        cursor.execute(_INSERT, [at, actor_id, action, object_type, object_id, citizen_id, purpose, ip, request_id])
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
    entry._state.db = connection.alias
    return entry


def alert_update(*, alert, actor, status: str, owner=None, note: str = "") -> None:
    """The DPO handles an alert: status (open, justified, escalated), owner, and a dated note.

    Notes are appended (never rewritten), signed and dated; each change is a history row (who,
    when, what), shown on the alert page.
    """
    from django.db import transaction
    from django.utils import timezone

    from grc.history import save_tracked

    from .models import Alert

    if status not in Alert.Status.values:
        raise ValueError(status)
    changes = []
    if status != alert.status:
        changes.append(f"statut : {Alert.Status(alert.status).label} → {Alert.Status(status).label}")
        alert.status = status
    if (owner.pk if owner else None) != alert.owner_id:
        changes.append("responsable modifié")
        alert.owner = owner
    if note.strip():
        stamp = timezone.localtime().strftime("%d/%m/%Y %H:%M")
        signed = f"[{stamp} — {actor.get_full_name() or actor.email}] {note.strip()}"
        alert.notes = f"{alert.notes}\n{signed}".strip()
        changes.append("note ajoutée")
    if not changes:
        return
    with transaction.atomic():
        save_tracked(alert, actor, "; ".join(changes))
