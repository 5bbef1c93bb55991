"""Sharing grants: the file shared with a named team or professional, for a purpose, until a date."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grc.history import save_tracked
from grc.models import Team

from .. import perms
from ..models import SharingGrant, SocialFile, TimelineEntry
from ..timeline import timeline_record
from .access import team_access_sync, team_group_sync, user_access_sync


def _grant_errors(
    *, grantee_team, grantee_user, purpose, legal_basis, family_informed, family_not_informed_reason, expires_at, now
) -> dict:
    errors = {}
    if (grantee_team is None) == (grantee_user is None):
        errors["grantee_team"] = _("Indiquez une équipe ou un professionnel destinataire, pas les deux.")
    elif grantee_user is not None and not perms.is_agent(grantee_user):
        errors["grantee_user"] = _("Le destinataire doit être un agent du Département.")
    if not purpose:
        errors["purpose"] = _("La finalité du partage est obligatoire.")
    if legal_basis not in SharingGrant.LegalBasis.values:
        errors["legal_basis"] = _("Indiquez la base légale du partage.")
    if not family_informed and not family_not_informed_reason:
        errors["family_not_informed_reason"] = _("Indiquez pourquoi la famille n'a pas été informée.")
    if expires_at is None or expires_at <= now:
        errors["expires_at"] = _("La date d'expiration doit être dans le futur.")
    return errors


@transaction.atomic
def grant_give(
    *,
    file: SocialFile,
    actor,
    purpose: str,
    legal_basis: str,
    family_informed: bool,
    expires_at: datetime.datetime,
    grantee_team: Team | None = None,
    grantee_user=None,
    family_not_informed_reason: str = "",
) -> SharingGrant:
    """Share the file with a named team or professional until ``expires_at`` (shared secrecy)."""
    if not perms.can_manage_grants(actor, file):
        raise PermissionDenied
    purpose = (purpose or "").strip()
    family_not_informed_reason = (family_not_informed_reason or "").strip()
    now = timezone.now()
    errors = _grant_errors(
        grantee_team=grantee_team,
        grantee_user=grantee_user,
        purpose=purpose,
        legal_basis=legal_basis,
        family_informed=family_informed,
        family_not_informed_reason=family_not_informed_reason,
        expires_at=expires_at,
        now=now,
    )
    if errors:
        raise ValidationError(errors)
    grant = save_tracked(
        SharingGrant(
            file=file,
            grantee_team=grantee_team,
            grantee_user=grantee_user,
            purpose=purpose,
            legal_basis=legal_basis,
            family_informed=family_informed,
            family_not_informed_reason="" if family_informed else family_not_informed_reason,
            granted_at=now,
            expires_at=expires_at,
            granted_by=actor,
        ),
        actor,
        "partage",
    )
    if grantee_team is not None:
        team_access_sync(file=file, team_id=grantee_team.pk, actor=actor, reason="partage accordé")
        team_group_sync(team=grantee_team)
    else:
        user_access_sync(file=file, user_id=grantee_user.pk, actor=actor, reason="partage accordé")
    timeline_record(
        citizen_id=file.citizen_id,
        file=file,
        kind=TimelineEntry.Kind.GRANT_GIVEN,
        title=_("Partage accordé à %(grantee)s") % {"grantee": str(grantee_team or grantee_user)},
        actor=actor,
        source=grant,
    )
    return grant


@transaction.atomic
def grant_revoke(*, grant: SharingGrant, actor) -> SharingGrant:
    """End a grant now; the grantee loses access unless something else justifies it."""
    if not perms.can_manage_grants(actor, grant.file):
        raise PermissionDenied
    grant = SharingGrant.objects.select_for_update().get(pk=grant.pk)
    if grant.revoked_at is not None or grant.expired_at is not None:
        raise ValidationError(_("Ce partage a déjà pris fin."))
    grant.revoked_at = timezone.now()
    grant.revoked_by = actor
    save_tracked(grant, actor, "révocation")
    grant_access_end(grant=grant, actor=actor, reason="partage révoqué")
    timeline_record(
        citizen_id=grant.file.citizen_id,
        file=grant.file,
        kind=TimelineEntry.Kind.GRANT_REVOKED,
        title=_("Partage révoqué pour %(grantee)s") % {"grantee": str(grant.grantee_team or grant.grantee_user)},
        actor=actor,
        source=grant,
    )
    return grant


def grant_access_end(*, grant: SharingGrant, actor, now=None, reason: str = "") -> None:
    """Recompute the grantee's access once ``grant`` has ended (revoked or expired): they keep it
    only if something else justifies it."""
    if grant.grantee_team_id:
        team_access_sync(file=grant.file, team_id=grant.grantee_team_id, actor=actor, now=now, reason=reason)
    else:
        user_access_sync(file=grant.file, user_id=grant.grantee_user_id, actor=actor, now=now, reason=reason)
