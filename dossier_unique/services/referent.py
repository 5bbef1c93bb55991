"""Changing an open accompaniment's referent (a colleague of the same team takes over)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from grc.history import save_tracked
from grc.models import Membership

from .. import perms
from ..models import Accompaniment
from .access import user_access_sync


@transaction.atomic
def accompaniment_referent_change(*, accompaniment: Accompaniment, referent, actor, reason: str) -> Accompaniment:
    """Make ``referent`` (a current member of the accompaniment's team, file role) the referent of an open
    accompaniment; the old referent's own access is recomputed, the new one's given. History keeps ``reason``.

    The caller checks who may do it (a team manager handing over an absent colleague's work).
    """
    accompaniment = Accompaniment.objects.select_for_update().select_related("file").get(pk=accompaniment.pk)
    if not accompaniment.is_open:
        raise ValidationError(_("Un accompagnement clos ne change pas de référent."))
    in_team = Membership.objects.filter(
        perms.current_membership_q(), user=referent, team_id=accompaniment.team_id
    ).exists()
    if not in_team:
        raise ValidationError(_("Le nouveau référent doit faire partie de l'équipe de l'accompagnement."))
    old_referent_id = accompaniment.referent_id
    accompaniment.referent = referent
    save_tracked(accompaniment, actor, f"changement de référent : {reason}")
    why = "changement de référent"
    user_access_sync(file=accompaniment.file, user_id=referent.pk, actor=actor, reason=why)
    user_access_sync(file=accompaniment.file, user_id=old_referent_id, actor=actor, reason=why)
    return accompaniment
