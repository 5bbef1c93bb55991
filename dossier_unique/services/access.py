"""Who holds ``view_socialfile`` on a file: the only code that writes guardian's permission rows.

Access is *recomputed from its sources* rather than toggled: ``user_access_sync`` and
``team_access_sync`` look at every reason a person or team may hold ``view_socialfile`` on a
file (membership, referent, open accompaniment, active grant, active emergency access) and add or
remove the one permission row accordingly. Closing one accompaniment therefore never takes away
access that another accompaniment or a grant still justifies. Permission rows are written through
guardian's direct FK models (not ``assign_perm``) so their history records who granted.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone

from grc.history import save_tracked, track
from grc.models import Membership, Team

from .. import perms
from ..models import (
    Accompaniment,
    EmergencyAccess,
    FileMember,
    SharingGrant,
    SocialFile,
    SocialFileGroupObjectPermission,
    SocialFileUserObjectPermission,
    TeamGroup,
)


def _view_permission() -> Permission:
    return Permission.objects.get(content_type__app_label="dossier_unique", codename=perms.VIEW_FILE)


@transaction.atomic
def team_group(*, team: Team) -> Group:
    """The auth group through which ``team`` holds file permissions, created on first use."""
    try:
        return TeamGroup.objects.select_related("group").get(team=team).group
    except TeamGroup.DoesNotExist:
        group, _created = Group.objects.get_or_create(name=f"dsu-equipe-{team.pk}")
        TeamGroup.objects.create(team=team, group=group)
        return group


@transaction.atomic
def team_group_sync(*, team: Team) -> Group:
    """Mirror the team's current file-role members into its auth group.

    Only for guardian's own ``user.has_perm``; the rules in ``perms`` read ``grc.Membership``.
    """
    group = team_group(team=team)
    members = Membership.objects.filter(perms.current_membership_q(), team=team).values_list("user_id", flat=True)
    group.user_set.set(set(members))
    return group


def team_groups_sync_all() -> int:
    """Re-mirror every team group (run by the periodic task so ``has_perm`` catches up with
    membership changes made in ``grc``); returns how many groups were synchronised."""
    teams = Team.objects.filter(dsu_group__isnull=False).order_by("pk")
    for team in teams:
        team_group_sync(team=team)
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


def user_access_sync(*, file: SocialFile, user_id: int | None, actor, now=None, reason: str = "") -> None:
    """Give or take back ``user_id``'s own permission on ``file`` according to its sources
    (nothing when ``user_id`` is ``None``)."""
    if user_id is None:
        return
    _lock_file(file)
    permission = _view_permission()
    existing = SocialFileUserObjectPermission.objects.filter(
        content_object=file, user_id=user_id, permission=permission
    ).first()
    should = _user_has_source(file, user_id, now or timezone.now())
    if should and existing is None:
        save_tracked(
            SocialFileUserObjectPermission(content_object=file, user_id=user_id, permission=permission), actor, reason
        )
    elif not should and existing is not None:
        track(existing, actor, reason).delete()


def team_access_sync(*, file: SocialFile, team_id: int | None, actor, now=None, reason: str = "") -> None:
    """Give or take back the team's permission on ``file`` according to its sources
    (nothing when ``team_id`` is ``None``)."""
    if team_id is None:
        return
    _lock_file(file)
    permission = _view_permission()
    group = team_group(team=Team.objects.get(pk=team_id))
    existing = SocialFileGroupObjectPermission.objects.filter(
        content_object=file, group=group, permission=permission
    ).first()
    should = _team_has_source(file, team_id, now or timezone.now())
    if should and existing is None:
        save_tracked(
            SocialFileGroupObjectPermission(content_object=file, group=group, permission=permission), actor, reason
        )
    elif not should and existing is not None:
        track(existing, actor, reason).delete()


def resync_file_access(*, file: SocialFile, actor, now=None, reason: str = "") -> None:
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
        team_access_sync(file=file, team_id=team_id, actor=actor, now=now, reason=reason)
    for user_id in sorted(user_ids):
        user_access_sync(file=file, user_id=user_id, actor=actor, now=now, reason=reason)
