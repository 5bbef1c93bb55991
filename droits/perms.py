"""Permission rules of rights estimates on the social file.

Who records a consent, edits the recorded situation, runs an estimate and saves it:

- an agent who may see the person's social file (``dossier_unique.perms``: a current file role in a team
  following the file, a membership, a grant or an emergency access). Nobody else: 404.

Which team a saved estimate belongs to (its timeline entry is visible to that team): the team of the agent
that follows the file (an open accompaniment's team) when they are in one, else their first team with a
file role (``estimate_team``).

Who reads a saved estimate (its amounts): whoever may see the file AND the timeline entry's team rule —
a current member (file role) of the estimate's team, or its author (``visible_estimates_q``). Others see
neither the entry nor the estimate.

Who opens the "Non-recours possible" list: an agent with a current file role (social worker, instructor,
team manager). The list holds only the files the agent may see (``dossier_unique.perms.visible_files_q``,
applied in the query at each read, never copied here). Mailroom agents, the DPO and functional admins
never do, as they never see file content.
"""

from __future__ import annotations

from django.db.models import Q

from dossier_unique import perms as file_perms
from dossier_unique.models import Accompaniment, SocialFile
from grc.models import Team
from grc.perms import current_memberships, is_agent


def _file_team_ids(user) -> list[int]:
    return [team_id for team_id, role in current_memberships(user) if role in file_perms.FILE_ROLES]


def can_estimate(user, file) -> bool:
    """Record the consent, edit the situation, run and save an estimate on ``file`` (rules above)."""
    return bool(_file_team_ids(user)) and file_perms.can_view_file(user, file)


def estimate_team(user, file):
    """The team a saved estimate of ``file`` by ``user`` belongs to (rules above), or None when they have none."""
    team_ids = _file_team_ids(user)
    if not team_ids:
        return None
    following = (
        Accompaniment.objects.filter(file=file, team_id__in=team_ids, status=Accompaniment.Status.OPEN)
        .order_by("start_date", "pk")
        .select_related("team")
        .first()
    )
    if following is not None:
        return following.team
    return Team.objects.filter(pk__in=team_ids).order_by("name").first()


def visible_estimates_q(user) -> Q:
    """The saved estimates ``user`` may read, as a filter on ``RightsEstimate`` (of files they already see)."""
    if not is_agent(user):
        return Q(pk__in=[])
    return Q(team_id__in=_file_team_ids(user)) | Q(created_by_id=user.pk)


def can_list_non_recours(user) -> bool:
    """Open the "Non-recours possible" page (rules above): no query beyond the cached memberships."""
    return is_agent(user) and bool(_file_team_ids(user))


def visible_non_recours_q(user) -> Q:
    """The non-recours rows ``user`` may see, as a filter on ``NonRecours``: those of files they may see."""
    if not can_list_non_recours(user):
        return Q(pk__in=[])
    return Q(file_id__in=_visible_file_ids(user))


def _visible_file_ids(user):
    return SocialFile.objects.filter(file_perms.visible_files_q(user)).values("pk")
