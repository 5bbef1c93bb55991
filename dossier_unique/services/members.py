"""The professionals who intervene on a file (members): adding one, ending an intervention."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grc.history import save_tracked

from .. import perms
from ..models import FileMember, SocialFile, TimelineEntry
from ..timeline import timeline_record
from .access import user_access_sync


@transaction.atomic
def member_add(*, file: SocialFile, user, role: str, actor, may_see_personal_details: bool = False) -> FileMember:
    """Add a professional to the file; they get access until ``member_end``."""
    if not perms.can_manage_grants(actor, file):
        raise PermissionDenied
    if not perms.is_agent(user):
        raise ValidationError(_("Seul un agent du Département peut intervenir sur un dossier."))
    role = (role or "").strip()
    if not role:
        raise ValidationError(_("Le rôle de l'intervenant est obligatoire."))
    if FileMember.objects.filter(file=file, user=user, end_date__isnull=True).exists():
        raise ValidationError(_("Cette personne intervient déjà sur ce dossier."))
    member = save_tracked(
        FileMember(file=file, user=user, role=role, may_see_personal_details=may_see_personal_details),
        actor,
        "ajout",
    )
    user_access_sync(file=file, user_id=user.pk, actor=actor, reason="intervenant ajouté")
    timeline_record(
        citizen_id=file.citizen_id,
        file=file,
        kind=TimelineEntry.Kind.MEMBER_ADDED,
        title=_("Intervenant ajouté : %(name)s") % {"name": str(user)},
        actor=actor,
        source=member,
    )
    return member


@transaction.atomic
def member_end(*, member: FileMember, actor) -> FileMember:
    """End a professional's involvement; they lose access unless something else justifies it."""
    if not (perms.can_manage_grants(actor, member.file) or actor.pk == member.user_id):
        raise PermissionDenied
    member = FileMember.objects.select_for_update().get(pk=member.pk)
    if member.end_date is not None:
        raise ValidationError(_("Cette intervention est déjà terminée."))
    member.end_date = max(timezone.localdate(), member.start_date)
    save_tracked(member, actor, "fin d'intervention")
    user_access_sync(file=member.file, user_id=member.user_id, actor=actor, reason="fin d'intervention")
    timeline_record(
        citizen_id=member.file.citizen_id,
        file=member.file,
        kind=TimelineEntry.Kind.MEMBER_ENDED,
        title=_("Fin d'intervention : %(name)s") % {"name": str(member.user)},
        actor=actor,
        source=member,
    )
    return member
