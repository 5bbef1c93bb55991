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
) -> AccessLog:
    """Append one row to the access log (hash chained by the database).

    ``request`` supplies the client IP and the request id set by ``RequestIdMiddleware``.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    ip = None
    request_id = ""
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
    entry.save(force_insert=True)
    return entry
