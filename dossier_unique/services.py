"""Writes on the social file. The only code that grants or removes access to a file.

Every service is keyword-only and atomic: it checks the actor against ``dossier_unique.perms``,
does the write with history (acting user), writes the timeline entry, and recomputes the
guardian permission rows it may have changed — in one transaction.

Access is *recomputed from its sources* rather than toggled: ``_sync_user_access`` and
``_sync_team_access`` look at every reason a person or team may hold ``view_socialfile`` on a
file (membership, referent, open accompaniment, active grant, active emergency access) and add or
remove the one permission row accordingly. Closing one accompaniment therefore never takes away
access that another accompaniment or a grant still justifies. Permission rows are written through
guardian's direct FK models (not ``assign_perm``) so their history records who granted.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from grc import uploads
from grc.history import save_tracked as _save
from grc.history import track as _track
from grc.models import Citizen, Membership, Team

from . import perms
from .models import (
    NOTE_MAX_LENGTH,
    Accompaniment,
    Document,
    EmergencyAccess,
    FileMember,
    Note,
    Programme,
    SharingGrant,
    SocialFile,
    SocialFileGroupObjectPermission,
    SocialFileUserObjectPermission,
    TeamGroup,
    TimelineEntry,
    Visibility,
)

EMERGENCY_REASON_MIN_LENGTH = 20


def _view_permission() -> Permission:
    return Permission.objects.get(content_type__app_label="dossier_unique", codename=perms.VIEW_FILE)


def _timeline(*, file, kind, title, actor=None, visibility=Visibility.FILE, team=None, programme="", source=None):
    entry = TimelineEntry(
        citizen_id=file.citizen_id,
        file=file,
        kind=kind,
        title=title[:200],
        visibility=visibility,
        team=team if visibility == Visibility.TEAM else None,
        author=actor,
        programme=programme,
        source_type=source._meta.label_lower if source is not None else "",
        source_id=str(source.pk) if source is not None else "",
    )
    return _save(entry, actor)


# --- access -----------------------------------------------------------------------------------


@transaction.atomic
def team_group(team: Team) -> Group:
    """The auth group through which ``team`` holds file permissions, created on first use."""
    try:
        return TeamGroup.objects.select_related("group").get(team=team).group
    except TeamGroup.DoesNotExist:
        group, _created = Group.objects.get_or_create(name=f"dsu-equipe-{team.pk}")
        TeamGroup.objects.create(team=team, group=group)
        return group


@transaction.atomic
def team_group_sync(team: Team) -> Group:
    """Mirror the team's current file-role members into its auth group.

    Only for guardian's own ``user.has_perm``; the rules in ``perms`` read ``grc.Membership``.
    """
    group = team_group(team)
    members = Membership.objects.filter(perms.current_membership_q(), team=team).values_list("user_id", flat=True)
    group.user_set.set(set(members))
    return group


def team_groups_sync_all() -> int:
    """Re-mirror every team group (run by the periodic task so ``has_perm`` catches up with
    membership changes made in ``grc``); returns how many groups were synchronised."""
    teams = Team.objects.filter(dsu_group__isnull=False).order_by("pk")
    for team in teams:
        team_group_sync(team)
    return len(teams)


def _user_has_source(file, user_id, now) -> bool:
    return (
        FileMember.objects.filter(file=file, user_id=user_id, end_date__isnull=True).exists()
        or Accompaniment.objects.filter(file=file, referent_id=user_id, status=Accompaniment.Status.OPEN).exists()
        or SharingGrant.objects.filter(
            file=file, grantee_user_id=user_id, revoked_at__isnull=True, expired_at__isnull=True, expires_at__gt=now
        ).exists()
        or EmergencyAccess.objects.filter(
            file=file, user_id=user_id, ended_at__isnull=True, expires_at__gt=now
        ).exists()
    )


def _team_has_source(file, team_id, now) -> bool:
    return (
        Accompaniment.objects.filter(file=file, team_id=team_id, status=Accompaniment.Status.OPEN).exists()
        or SharingGrant.objects.filter(
            file=file, grantee_team_id=team_id, revoked_at__isnull=True, expired_at__isnull=True, expires_at__gt=now
        ).exists()
    )


def _lock_file(file) -> None:
    """Serialise access changes on one file (two services granting at once would race)."""
    SocialFile.objects.select_for_update().filter(pk=file.pk).values_list("pk", flat=True).first()


def _sync_user_access(file, user_id, actor, *, now=None, reason="") -> None:
    """Give or take back ``user_id``'s own permission on ``file`` according to its sources."""
    if user_id is None:
        return
    _lock_file(file)
    permission = _view_permission()
    existing = SocialFileUserObjectPermission.objects.filter(
        content_object=file, user_id=user_id, permission=permission
    ).first()
    should = _user_has_source(file, user_id, now or timezone.now())
    if should and existing is None:
        _save(
            SocialFileUserObjectPermission(content_object=file, user_id=user_id, permission=permission), actor, reason
        )
    elif not should and existing is not None:
        _track(existing, actor, reason).delete()


def _sync_team_access(file, team_id, actor, *, now=None, reason="") -> None:
    """Give or take back the team's permission on ``file`` according to its sources."""
    if team_id is None:
        return
    _lock_file(file)
    permission = _view_permission()
    group = team_group(Team.objects.get(pk=team_id))
    existing = SocialFileGroupObjectPermission.objects.filter(
        content_object=file, group=group, permission=permission
    ).first()
    should = _team_has_source(file, team_id, now or timezone.now())
    if should and existing is None:
        _save(SocialFileGroupObjectPermission(content_object=file, group=group, permission=permission), actor, reason)
    elif not should and existing is not None:
        _track(existing, actor, reason).delete()


def resync_file_access(file, actor, *, now=None, reason="") -> None:
    """Recompute every team's and person's permission on ``file`` (after a merge moved its content)."""
    team_ids = set(
        SocialFileGroupObjectPermission.objects.filter(content_object=file).values_list(
            "group__dsu_team__team_id", flat=True
        )
    )
    team_ids |= set(Accompaniment.objects.filter(file=file).values_list("team_id", flat=True))
    team_ids |= set(file.grants.exclude(grantee_team=None).values_list("grantee_team_id", flat=True))
    user_ids = set(
        SocialFileUserObjectPermission.objects.filter(content_object=file).values_list("user_id", flat=True)
    )
    user_ids |= set(file.members.values_list("user_id", flat=True))
    user_ids |= set(
        Accompaniment.objects.filter(file=file).exclude(referent=None).values_list("referent_id", flat=True)
    )
    user_ids |= set(file.grants.exclude(grantee_user=None).values_list("grantee_user_id", flat=True))
    user_ids |= set(file.emergency_accesses.values_list("user_id", flat=True))
    for team_id in sorted(t for t in team_ids if t is not None):
        _sync_team_access(file, team_id, actor, now=now, reason=reason)
    for user_id in sorted(user_ids):
        _sync_user_access(file, user_id, actor, now=now, reason=reason)


# --- file and accompaniments ----------------------------------------------------------------


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
        file = _save(SocialFile(citizen=citizen, territory=territory), actor, "création")
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
    accompaniment = _save(
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
    _sync_team_access(file, team.pk, actor, reason="ouverture d'accompagnement")
    team_group_sync(team)
    _sync_user_access(file, accompaniment.referent_id, actor, reason="référent d'accompagnement")
    _timeline(
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
    _save(accompaniment, actor, "clôture")
    file = accompaniment.file
    _sync_team_access(file, accompaniment.team_id, actor, reason="clôture d'accompagnement")
    _sync_user_access(file, accompaniment.referent_id, actor, reason="clôture d'accompagnement")
    _timeline(
        file=file,
        kind=TimelineEntry.Kind.ACCOMPANIMENT_CLOSED,
        title=_("Accompagnement %(programme)s clos") % {"programme": accompaniment.get_programme_display()},
        actor=actor,
        programme=accompaniment.programme,
        source=accompaniment,
    )
    return accompaniment


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
    _save(accompaniment, actor, f"transfert : {reason}")
    why = "transfert d'accompagnement"
    notes = list(Note.objects.filter(accompaniment=accompaniment, team_id=old_team_id))
    for note in notes:
        note.team = team
        _save(note, actor, why, update_fields=["team"])
    documents = list(Document.objects.filter(accompaniment=accompaniment, team_id=old_team_id))
    for document in documents:
        document.team = team
        _save(document, actor, why, update_fields=["team"])
    sources = [("dossier_unique.note", notes), ("dossier_unique.document", documents)]
    for source_type, rows in sources:
        for entry in TimelineEntry.objects.filter(
            source_type=source_type, source_id__in=[str(r.pk) for r in rows], team_id=old_team_id
        ):
            entry.team = team
            _save(entry, actor, why, update_fields=["team"])
    file = accompaniment.file
    _sync_team_access(file, team.pk, actor, reason=why)
    team_group_sync(team)
    _sync_team_access(file, old_team_id, actor, reason=why)
    _sync_user_access(file, referent.pk if referent else None, actor, reason=why)
    _sync_user_access(file, old_referent_id, actor, reason=why)
    _timeline(
        file=file,
        kind=TimelineEntry.Kind.ACCOMPANIMENT_TRANSFERRED,
        title=_("Accompagnement %(programme)s transféré à %(team)s")
        % {"programme": accompaniment.get_programme_display(), "team": team.name},
        actor=actor,
        programme=accompaniment.programme,
        source=accompaniment,
    )
    return accompaniment


# --- members --------------------------------------------------------------------------------


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
    member = _save(
        FileMember(file=file, user=user, role=role, may_see_personal_details=may_see_personal_details),
        actor,
        "ajout",
    )
    _sync_user_access(file, user.pk, actor, reason="intervenant ajouté")
    _timeline(
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
    _save(member, actor, "fin d'intervention")
    _sync_user_access(member.file, member.user_id, actor, reason="fin d'intervention")
    _timeline(
        file=member.file,
        kind=TimelineEntry.Kind.MEMBER_ENDED,
        title=_("Fin d'intervention : %(name)s") % {"name": str(member.user)},
        actor=actor,
        source=member,
    )
    return member


# --- notes and documents --------------------------------------------------------------------


def note_too_long_message(length: int) -> str:
    """What the writer of a note past ``NOTE_MAX_LENGTH`` reads (the form says the same)."""
    return _(
        "La note ne peut pas dépasser %(limit)s caractères (elle en compte %(length)s) : raccourcissez-la, "
        "ou joignez le texte long au dossier comme document."
    ) % {
        "limit": number_format(NOTE_MAX_LENGTH, force_grouping=True),
        "length": number_format(length, force_grouping=True),
    }


def _check_accompaniment(file, accompaniment):
    if accompaniment is not None and accompaniment.file_id != file.pk:
        raise ValidationError(_("Cet accompagnement n'appartient pas à ce dossier."))


@transaction.atomic
def note_write(
    *, file: SocialFile, author, text: str, kind: str, visibility: str, accompaniment: Accompaniment | None = None
) -> Note:
    """Write a note. *team* visibility needs an accompaniment (its team reads the note)."""
    if not perms.can_write_note(author, file):
        raise PermissionDenied
    text = (text or "").strip()
    errors = {}
    if not text:
        errors["text"] = _("La note est vide.")
    elif len(text) > NOTE_MAX_LENGTH:
        errors["text"] = note_too_long_message(len(text))
    if kind not in Note.Kind.values:
        errors["kind"] = _("Type de note inconnu.")
    if visibility not in Visibility.values:
        errors["visibility"] = _("Visibilité inconnue.")
    elif visibility == Visibility.TEAM and accompaniment is None:
        errors["visibility"] = _("Une note réservée à l'équipe doit être rattachée à un accompagnement.")
    if errors:
        raise ValidationError(errors)
    _check_accompaniment(file, accompaniment)
    note = _save(
        Note(
            file=file,
            accompaniment=accompaniment,
            author=author,
            kind=kind,
            visibility=visibility,
            team_id=accompaniment.team_id if accompaniment else None,
            text=text,
        ),
        author,
        "rédaction",
    )
    _timeline(
        file=file,
        kind=TimelineEntry.Kind.NOTE,
        title=note.get_kind_display(),
        actor=author,
        visibility=visibility,
        team=note.team,
        programme=accompaniment.programme if accompaniment else "",
        source=note,
    )
    return note


@transaction.atomic
def document_add(
    *,
    file: SocialFile,
    upload,
    actor,
    doc_type: str,
    accompaniment: Accompaniment | None = None,
    tags: str = "",
    confidential: bool = False,
) -> Document:
    """Add a document, checked by the upload gate (``grc.uploads``, document policy) and stored privately.

    The timeline entry of a confidential document is reserved to the accompaniment's team (or
    to the uploader when there is no accompaniment).
    """
    if not perms.can_write_note(actor, file):
        raise PermissionDenied
    if doc_type not in Document.DocType.values:
        raise ValidationError(_("Type de document inconnu."))
    _check_accompaniment(file, accompaniment)
    checked = uploads.check(upload, uploads.document_policy())
    document = Document(
        file=file,
        accompaniment=accompaniment,
        uploaded_by=actor,
        doc_type=doc_type,
        tags=", ".join(t.strip() for t in (tags or "").split(",") if t.strip())[:255],
        confidential=confidential,
        team_id=accompaniment.team_id if accompaniment else None,
        original_name=(upload.name or "")[:255],
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
    )
    # Stored before the row: a rollback may leave unreferenced bytes (never readable: no row points
    # at them), which is safer than a row pointing at nothing.
    document.content.save("document", upload, save=False)
    _save(document, actor, "dépôt")
    if confidential:
        visibility = Visibility.TEAM if document.team_id else Visibility.PRIVATE
    else:
        visibility = Visibility.FILE
    _timeline(
        file=file,
        kind=TimelineEntry.Kind.DOCUMENT_ADDED,
        title=_("Document ajouté : %(type)s") % {"type": document.get_doc_type_display()},
        actor=actor,
        visibility=visibility,
        team=document.team,
        programme=accompaniment.programme if accompaniment else "",
        source=document,
    )
    return document


# --- sharing grants and emergency access ------------------------------------------------------


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
    now = timezone.now()
    if expires_at is None or expires_at <= now:
        errors["expires_at"] = _("La date d'expiration doit être dans le futur.")
    if errors:
        raise ValidationError(errors)
    grant = _save(
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
        _sync_team_access(file, grantee_team.pk, actor, reason="partage accordé")
        team_group_sync(grantee_team)
    else:
        _sync_user_access(file, grantee_user.pk, actor, reason="partage accordé")
    _timeline(
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
    _save(grant, actor, "révocation")
    _end_grant_access(grant, actor, reason="partage révoqué")
    _timeline(
        file=grant.file,
        kind=TimelineEntry.Kind.GRANT_REVOKED,
        title=_("Partage révoqué pour %(grantee)s") % {"grantee": str(grant.grantee_team or grant.grantee_user)},
        actor=actor,
        source=grant,
    )
    return grant


def _end_grant_access(grant, actor, *, now=None, reason=""):
    if grant.grantee_team_id:
        _sync_team_access(grant.file, grant.grantee_team_id, actor, now=now, reason=reason)
    else:
        _sync_user_access(grant.file, grant.grantee_user_id, actor, now=now, reason=reason)


def emergency_access_max_hours() -> float:
    return getattr(settings, "EMERGENCY_ACCESS_MAX_HOURS", 4)


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
    access = _save(
        EmergencyAccess(
            file=file, user=user, reason=reason, started_at=now, expires_at=now + datetime.timedelta(hours=hours)
        ),
        user,
        "bris de glace",
    )
    _sync_user_access(file, user.pk, user, reason="accès d'urgence")
    _timeline(
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
    return _save(access, actor, "examen DPO")


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
        _save(grant, None, "expiration")
        _end_grant_access(grant, None, now=now, reason="partage expiré")
        _timeline(
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
        _save(access, None, "expiration")
        _sync_user_access(access.file, access.user_id, None, now=now, reason="fin d'accès d'urgence")
    return {"grants": len(grants), "emergency_accesses": len(accesses)}
