"""Permission rules of the social file. Shared by views, API, search and the selectors.

**Who may see a file** is held in guardian's direct foreign-key tables, written only by
``dossier_unique.services``:

- a *person* holds ``view_socialfile`` in ``SocialFileUserObjectPermission`` while they are an
  active member of the file, the referent of an open accompaniment, the grantee of an active
  sharing grant, or have an active emergency access;
- a *team* holds it in ``SocialFileGroupObjectPermission`` (through the team's ``TeamGroup``)
  while it follows an open accompaniment of the file or is the grantee of an active grant.

Design choice — team permissions go to one group per team, and *who is in the team* is read
from ``grc.Membership`` (dated, the organisation's own record) inside the same SQL query, not from
``auth`` group membership. So "which files may this user see" is one indexed query
(``visible_files_q``): the user's direct permission rows UNION the permission rows of the teams
in which they hold a current file role. Nothing needs re-synchronising when someone joins or
leaves a team; granting per user for every member would have multiplied rows and gone stale
on every team change. (``services.team_group_sync`` still mirrors current members into the auth
group — when a team is granted, and for every team on each run of the ``expire_file_access``
task — so guardian's own ``user.has_perm`` agrees; that mirror may lag a membership change by
one task run, so no rule here relies on it: use these functions, never ``has_perm``.)

Territory: ``SocialFile.territory`` scopes caseload lists and statistics; it never opens a file
by itself — being in the same agence gives no access without an accompaniment, membership or grant.

Roles: only current memberships as social worker, instructor or team manager open file
content (``FILE_ROLES``). Mailroom agents, the DPO and functional admins never see file content,
whatever permission rows exist; superusers get no bypass either.
"""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from grc import perms as grc_perms
from grc.models import Membership
from grc.perms import is_agent

from .models import (
    Accompaniment,
    FileMember,
    SocialFile,
    SocialFileGroupObjectPermission,
    SocialFileUserObjectPermission,
    Visibility,
)

VIEW_FILE = "view_socialfile"
FILE_ROLES = (Membership.Role.SOCIAL_WORKER, Membership.Role.INSTRUCTOR, Membership.Role.TEAM_MANAGER)


def current_membership_q(prefix: str = "", *, roles=FILE_ROLES) -> Q:
    """Memberships open today in one of ``roles`` (``grc.perms.membership_current_q``, file roles by default)."""
    return grc_perms.membership_current_q(prefix, roles=roles)


def current_team_ids(user):
    """A subquery of the teams in which ``user`` holds a current file role."""
    return Membership.objects.filter(current_membership_q(), user=user).values("team_id")


def visible_files_q(user) -> Q:
    """The files ``user`` may see, as a filter on ``SocialFile`` (one query, no per-row checks).

    Rules: the user is an active staff agent with a current file role, and either holds
    ``view_socialfile`` on the file directly or belongs (current membership, file role) to a team
    holding it. See the module docstring.
    """
    if not is_agent(user):
        return Q(pk__in=[])
    direct = SocialFileUserObjectPermission.objects.filter(
        current_membership_q("user__memberships__"), user=user, permission__codename=VIEW_FILE
    ).values("content_object_id")
    through_team = SocialFileGroupObjectPermission.objects.filter(
        current_membership_q("group__dsu_team__team__memberships__"),
        group__dsu_team__team__memberships__user=user,
        permission__codename=VIEW_FILE,
    ).values("content_object_id")
    return Q(pk__in=direct.union(through_team, all=True))


def files_opened_by_membership(*, user_id: int, team_id: int) -> int:
    """How many files a current file-role membership of ``user_id`` in ``team_id`` lets them read today.

    Rules (``visible_files_q`` seen from the membership): the files the team holds ``view_socialfile``
    on, plus — when the user holds no other current file-role membership, so their own permission
    rows were dormant — the files they hold it on directly. Registered with ``grc.file_access``: the
    membership services alert the DPO when this is not zero.
    """
    team_files = SocialFileGroupObjectPermission.objects.filter(
        group__dsu_team__team_id=team_id, permission__codename=VIEW_FILE
    ).values("content_object_id")
    other_file_roles = Membership.objects.filter(current_membership_q(), user_id=user_id).exclude(team_id=team_id)
    if other_file_roles.exists():
        return SocialFile.objects.filter(pk__in=team_files).count()
    direct = SocialFileUserObjectPermission.objects.filter(user_id=user_id, permission__codename=VIEW_FILE).values(
        "content_object_id"
    )
    return SocialFile.objects.filter(Q(pk__in=team_files) | Q(pk__in=direct)).count()


def can_view_file(user, file) -> bool:
    """See a social file and what it holds (subject to note and document rules).

    Rules: see ``visible_files_q``. A mailroom agent or the DPO never does; neither does a
    citizen's portal account.
    """
    if not is_agent(user) or file is None:
        return False
    return SocialFile.objects.filter(visible_files_q(user), pk=file.pk).exists()


def visible_entries_q(user) -> Q:
    """Visibility filter for notes and timeline entries of a file the user may already see.

    Rules: *file* — everyone who may see the file; *team* — current members (file role) of the
    accompaniment's team, and the author; *private* — the author only.
    """
    return (
        Q(visibility=Visibility.FILE)
        | Q(visibility=Visibility.TEAM, team_id__in=current_team_ids(user))
        | Q(author_id=user.pk)
    )


def _in_current_team(user, team_id) -> bool:
    return (
        team_id is not None and Membership.objects.filter(current_membership_q(), user=user, team_id=team_id).exists()
    )


def can_view_note(user, note) -> bool:
    """Read one note.

    Rules: the user may see the note's file, and the note is *file* visibility, or *team*
    visibility and the user is a current member (file role) of its team, or the user wrote it.
    A *private* note is visible to its author only.
    """
    if not can_view_file(user, note.file):
        return False
    if note.author_id == user.pk or note.visibility == Visibility.FILE:
        return True
    return note.visibility == Visibility.TEAM and _in_current_team(user, note.team_id)


def visible_documents_q(user) -> Q:
    """Confidentiality filter for documents of a file the user may already see.

    Rules: a non-confidential document — everyone who may see the file. A confidential one —
    current members (file role) of its accompaniment's team, the uploader, and active members of
    the file marked ``may_see_personal_details``.
    """
    trusted_member = FileMember.objects.filter(
        file_id=OuterRef("file_id"), user=user, end_date__isnull=True, may_see_personal_details=True
    )
    return (
        Q(confidential=False)
        | Q(uploaded_by_id=user.pk)
        | Q(team_id__in=current_team_ids(user))
        | Q(Exists(trusted_member))
    )


def can_view_document(user, document) -> bool:
    """Download or list one document. Rules: see ``visible_documents_q``."""
    if not can_view_file(user, document.file):
        return False
    if not document.confidential or document.uploaded_by_id == user.pk:
        return True
    if _in_current_team(user, document.team_id):
        return True
    return FileMember.objects.filter(
        file_id=document.file_id, user=user, end_date__isnull=True, may_see_personal_details=True
    ).exists()


def can_write_note(user, file) -> bool:
    """Write a note or add a document to a file.

    Rules: whoever may see the file (the note's visibility then restricts who reads it).
    """
    return can_view_file(user, file)


NOTE_EDIT_HOURS = 24


def can_edit_note(user, note, *, now=None) -> bool:
    """Correct a note's text.

    Rules: its author only, while they may still write on the file (``can_write_note``), and within
    ``NOTE_EDIT_HOURS`` (24) hours of writing it; after that a new note corrects the old one.
    """
    if note.author_id != getattr(user, "pk", None) or not is_agent(user):
        return False
    if (now or timezone.now()) - note.created_at > datetime.timedelta(hours=NOTE_EDIT_HOURS):
        return False
    return can_write_note(user, note.file)


def can_manage_grants(user, file) -> bool:
    """Give or revoke sharing grants, add or end file members.

    Rules: the referent of an open accompaniment of the file, or a current team manager of a
    team following an open accompaniment of the file.
    """
    if not is_agent(user):
        return False
    open_accompaniments = Accompaniment.objects.filter(file=file, status=Accompaniment.Status.OPEN)
    managed_teams = Membership.objects.filter(
        current_membership_q(roles=[Membership.Role.TEAM_MANAGER]), user=user
    ).values("team_id")
    return open_accompaniments.filter(Q(referent=user) | Q(team_id__in=managed_teams)).exists()


def can_open_accompaniment(user, team) -> bool:
    """Open an accompaniment followed by ``team``.

    Rules: a current member (file role) of that team.
    """
    return is_agent(user) and _in_current_team(user, team.pk)


def can_manage_accompaniment(user, accompaniment) -> bool:
    """Close or transfer an accompaniment.

    Rules: its referent, or a current member (file role) of its team.
    """
    if not is_agent(user):
        return False
    return accompaniment.referent_id == user.pk or _in_current_team(user, accompaniment.team_id)


def can_take_emergency_access(user) -> bool:
    """Break the glass on a file the user cannot see.

    Rules: an active staff agent with a current file role (never a mailroom agent, the DPO or a
    functional admin). The reason and duration rules are enforced by the service.
    """
    return is_agent(user) and Membership.objects.filter(current_membership_q(), user=user).exists()


def can_review_emergency_accesses(user) -> bool:
    """List and acknowledge emergency accesses (the DPO's alerts).

    Rules: ``grc.perms.is_dpo``.
    """
    return grc_perms.is_dpo(user)
