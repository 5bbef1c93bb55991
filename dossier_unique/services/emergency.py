"""Emergency access ("bris de glace"): an agent opens a file they cannot see, for a few hours,
with a written reason the DPO reviews."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grc.history import save_tracked

from .. import perms
from ..limits import EMERGENCY_REASON_MIN_LENGTH, emergency_access_max_hours
from ..models import EmergencyAccess, SocialFile, TimelineEntry
from ..timeline import timeline_record
from .access import user_access_sync


@transaction.atomic
def emergency_access_open(*, file: SocialFile, user, reason: str, hours: float | None = None) -> EmergencyAccess:
    """Break the glass: ``user`` sees the file for ``hours`` (at most ``EMERGENCY_ACCESS_MAX_HOURS``,
    4 by default) with a written reason. The access is an open alert for the DPO until reviewed.
    """
    if not perms.can_take_emergency_access(user):
        raise PermissionDenied
    reason = (reason or "").strip()
    max_hours = emergency_access_max_hours()
    hours = max_hours if hours is None else hours
    errors = {}
    if len(reason) < EMERGENCY_REASON_MIN_LENGTH:
        errors["reason"] = _("Expliquez l'urgence en quelques mots (au moins %(min)d caractères).") % {
            "min": EMERGENCY_REASON_MIN_LENGTH
        }
    if not 0 < hours <= max_hours:
        errors["hours"] = _("La durée d'un accès d'urgence est limitée à %(max)s heures.") % {"max": max_hours}
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    access = save_tracked(
        EmergencyAccess(
            file=file, user=user, reason=reason, started_at=now, expires_at=now + datetime.timedelta(hours=hours)
        ),
        user,
        "bris de glace",
    )
    user_access_sync(file=file, user_id=user.pk, actor=user, reason="accès d'urgence")
    timeline_record(
        citizen_id=file.citizen_id,
        file=file,
        kind=TimelineEntry.Kind.EMERGENCY_ACCESS,
        title=_("Accès d'urgence de %(name)s") % {"name": str(user)},
        actor=user,
        source=access,
    )
    return access


@transaction.atomic
def emergency_access_review(*, access: EmergencyAccess, actor, comment: str = "") -> EmergencyAccess:
    """The DPO acknowledges an emergency access (closing the alert)."""
    if not perms.can_review_emergency_accesses(actor):
        raise PermissionDenied
    access = EmergencyAccess.objects.select_for_update().get(pk=access.pk)
    access.dpo_reviewed_at = timezone.now()
    access.dpo_reviewed_by = actor
    access.dpo_comment = (comment or "").strip()
    return save_tracked(access, actor, "examen DPO")
