"""The end of time-limited access: sharing grants and emergency accesses that reach their end."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grc.history import save_tracked

from ..models import EmergencyAccess, SharingGrant, TimelineEntry
from ..timeline import timeline_record
from .access import user_access_sync
from .grants import grant_access_end


@transaction.atomic
def expire_grants_and_emergency_accesses(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Take back the access of grants and emergency accesses that have reached their end.

    Run every few minutes by the task scheduler (``tasks.expire_file_access``) or the
    ``expire_file_access`` command; returns how many of each ended.
    """
    now = now or timezone.now()
    grants = list(
        SharingGrant.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(revoked_at__isnull=True, expired_at__isnull=True, expires_at__lte=now)
        .select_related("file", "grantee_team", "grantee_user")
        .order_by("pk")
    )
    for grant in grants:
        grant.expired_at = now
        save_tracked(grant, None, "expiration")
        grant_access_end(grant=grant, actor=None, now=now, reason="partage expiré")
        timeline_record(
            citizen_id=grant.file.citizen_id,
            file=grant.file,
            kind=TimelineEntry.Kind.GRANT_REVOKED,
            title=_("Partage arrivé à échéance pour %(grantee)s")
            % {"grantee": str(grant.grantee_team or grant.grantee_user)},
            source=grant,
        )
    accesses = list(
        EmergencyAccess.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(ended_at__isnull=True, expires_at__lte=now)
        .select_related("file")
        .order_by("pk")
    )
    for access in accesses:
        access.ended_at = access.expires_at
        save_tracked(access, None, "expiration")
        user_access_sync(file=access.file, user_id=access.user_id, actor=None, now=now, reason="fin d'accès d'urgence")
    return {"grants": len(grants), "emergency_accesses": len(accesses)}
