"""The social file itself and its accompaniments: opening, closing, handing one to another team."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grc.history import save_tracked
from grc.models import Citizen, Team

from .. import perms
from ..models import Accompaniment, Document, Note, Programme, SocialFile, TimelineEntry
from ..timeline import timeline_record
from .access import team_access_sync, team_group_sync, user_access_sync


@transaction.atomic
def social_file_get_or_create(*, citizen: Citizen, actor, territory=None) -> SocialFile:
    """The citizen's social file, created if needed. Creating it gives nobody access yet:
    access comes with an accompaniment, a membership or a grant.
    """
    if not perms.can_take_emergency_access(actor):  # any agent with a file role
        raise PermissionDenied
    if citizen.is_merged:
        raise ValidationError(_("Cet usager a été fusionné : ouvrez le dossier de la fiche conservée."))
    Citizen.objects.select_for_update().filter(pk=citizen.pk).values_list("pk", flat=True).first()
    file = SocialFile.objects.filter(citizen=citizen).first()
    if file is None:
        file = save_tracked(SocialFile(citizen=citizen, territory=territory), actor, "création")
    return file


@transaction.atomic
def accompaniment_open(
    *, file: SocialFile, programme: str, team: Team, actor, referent=None, start_date: datetime.date | None = None
) -> Accompaniment:
    """Open an accompaniment; its team (and referent) get access to the file."""
    if not perms.can_open_accompaniment(actor, team):
        raise PermissionDenied
    if programme not in Programme.values:
        raise ValidationError(_("Dispositif inconnu."))
    if Accompaniment.objects.filter(file=file, programme=programme, status=Accompaniment.Status.OPEN).exists():
        raise ValidationError(_("Un accompagnement de ce dispositif est déjà en cours pour ce dossier."))
    if referent is not None and not perms.is_agent(referent):
        raise ValidationError(_("Le référent doit être un agent du Département."))
    accompaniment = save_tracked(
        Accompaniment(
            file=file,
            programme=programme,
            team=team,
            referent=referent,
            start_date=start_date or timezone.localdate(),
        ),
        actor,
        "ouverture",
    )
    team_access_sync(file=file, team_id=team.pk, actor=actor, reason="ouverture d'accompagnement")
    team_group_sync(team=team)
    user_access_sync(file=file, user_id=accompaniment.referent_id, actor=actor, reason="référent d'accompagnement")
    timeline_record(
        citizen_id=file.citizen_id,
        file=file,
        kind=TimelineEntry.Kind.ACCOMPANIMENT_OPENED,
        title=_("Accompagnement %(programme)s ouvert") % {"programme": accompaniment.get_programme_display()},
        actor=actor,
        team=team,
        programme=programme,
        source=accompaniment,
    )
    return accompaniment


@transaction.atomic
def accompaniment_close(*, accompaniment: Accompaniment, reason: str, actor, end_date=None) -> Accompaniment:
    """Close an accompaniment; its team loses access unless another open accompaniment or an
    active grant still justifies it (same for the referent)."""
    if not perms.can_manage_accompaniment(actor, accompaniment):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Le motif de clôture est obligatoire."))
    accompaniment = Accompaniment.objects.select_for_update().get(pk=accompaniment.pk)
    if not accompaniment.is_open:
        raise ValidationError(_("Cet accompagnement est déjà clos."))
    accompaniment.status = Accompaniment.Status.CLOSED
    accompaniment.end_date = max(end_date or timezone.localdate(), accompaniment.start_date)
    accompaniment.closing_reason = reason
    save_tracked(accompaniment, actor, "clôture")
    file = accompaniment.file
    team_access_sync(file=file, team_id=accompaniment.team_id, actor=actor, reason="clôture d'accompagnement")
    user_access_sync(file=file, user_id=accompaniment.referent_id, actor=actor, reason="clôture d'accompagnement")
    timeline_record(
        citizen_id=file.citizen_id,
        file=file,
        kind=TimelineEntry.Kind.ACCOMPANIMENT_CLOSED,
        title=_("Accompagnement %(programme)s clos") % {"programme": accompaniment.get_programme_display()},
        actor=actor,
        programme=accompaniment.programme,
        source=accompaniment,
    )
    return accompaniment


def _move_team_reserved_content(accompaniment, *, old_team_id, team, actor, why) -> None:
    """Notes and documents reserved to the old team, and their timeline entries, follow the accompaniment."""
    notes = list(Note.objects.filter(accompaniment=accompaniment, team_id=old_team_id))
    for note in notes:
        note.team = team
        save_tracked(note, actor, why, update_fields=["team"])
    documents = list(Document.objects.filter(accompaniment=accompaniment, team_id=old_team_id))
    for document in documents:
        document.team = team
        save_tracked(document, actor, why, update_fields=["team"])
    sources = [("dossier_unique.note", notes), ("dossier_unique.document", documents)]
    for source_type, rows in sources:
        for entry in TimelineEntry.objects.filter(
            source_type=source_type, source_id__in=[str(r.pk) for r in rows], team_id=old_team_id
        ):
            entry.team = team
            save_tracked(entry, actor, why, update_fields=["team"])


@transaction.atomic
def accompaniment_transfer(
    *, accompaniment: Accompaniment, team: Team, reason: str, actor, referent=None
) -> Accompaniment:
    """Hand an open accompaniment to another team (e.g. the person moved to another CDAS).

    The new team gets access; the old one keeps it only if something else justifies it. Notes and
    documents reserved to the accompaniment's team follow the accompaniment to the new team.
    """
    if not perms.can_manage_accompaniment(actor, accompaniment):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Le motif du transfert est obligatoire."))
    accompaniment = Accompaniment.objects.select_for_update().get(pk=accompaniment.pk)
    if not accompaniment.is_open:
        raise ValidationError(_("Un accompagnement clos ne peut pas être transféré."))
    if accompaniment.team_id == team.pk:
        raise ValidationError(_("L'accompagnement est déjà suivi par cette équipe."))
    old_team_id, old_referent_id = accompaniment.team_id, accompaniment.referent_id
    accompaniment.team = team
    accompaniment.referent = referent
    save_tracked(accompaniment, actor, f"transfert : {reason}")
    why = "transfert d'accompagnement"
    _move_team_reserved_content(accompaniment, old_team_id=old_team_id, team=team, actor=actor, why=why)
    file = accompaniment.file
    team_access_sync(file=file, team_id=team.pk, actor=actor, reason=why)
    team_group_sync(team=team)
    team_access_sync(file=file, team_id=old_team_id, actor=actor, reason=why)
    user_access_sync(file=file, user_id=referent.pk if referent else None, actor=actor, reason=why)
    user_access_sync(file=file, user_id=old_referent_id, actor=actor, reason=why)
    timeline_record(
        citizen_id=file.citizen_id,
        file=file,
        kind=TimelineEntry.Kind.ACCOMPANIMENT_TRANSFERRED,
        title=_("Accompagnement %(programme)s transféré à %(team)s")
        % {"programme": accompaniment.get_programme_display(), "team": team.name},
        actor=actor,
        programme=accompaniment.programme,
        source=accompaniment,
    )
    return accompaniment
