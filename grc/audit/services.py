"""Writing the access log. Every read of personal data calls ``access_log_write``."""

from __future__ import annotations

from .models import AccessLog


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
    entry = AccessLog(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        citizen_id=getattr(citizen, "pk", citizen),
        object_type=object_type,
        object_id=str(object_id),
        purpose=purpose[:255],
        ip=ip,
        request_id=request_id,
    )
    if at is not None:
        entry.at = at
    entry.save(force_insert=True)
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
