"""Who may read the observatory. Shared by the back-office pages and the exports.

The observatory holds no personal data, but its figures by commune and CDAS are internal management information
until published (the open-data indicators are public: ``observatoire.opendata``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import Http404

from grc.models import Membership, Team
from grc.perms import current_memberships, is_agent

OBSERVATORY_ROLES = {Membership.Role.TEAM_MANAGER, Membership.Role.FUNCTIONAL_ADMIN}
# The Observatoire team(s), by team code (``OBSERVATOIRE_TEAM_CODES`` to change it).
DEFAULT_TEAM_CODES = ("observatoire",)
TEAM_IDS_CACHE_SECONDS = 300


def observatory_team_ids() -> frozenset[int]:
    """The ids of the Observatoire team(s): read once every five minutes (the navigation asks on every page)."""
    key = "observatoire:team-ids:v1"
    ids = cache.get(key)
    if ids is None:
        codes = getattr(settings, "OBSERVATOIRE_TEAM_CODES", DEFAULT_TEAM_CODES)
        ids = frozenset(Team.objects.filter(code__in=codes).values_list("pk", flat=True))
        cache.set(key, ids, TEAM_IDS_CACHE_SECONDS)
    return ids


def can_view_observatory(user) -> bool:
    """Read the observatory's pages and exports.

    Rules: an agent (active staff account) who, today (current membership), is a team manager or a functional
    admin in any team, or a member in any role of the Observatoire team (the team whose code is
    ``observatoire``; ``OBSERVATOIRE_TEAM_CODES`` names others). Nobody else, superusers included only through
    these: the pages answer 404 to everyone else. Read from the memberships already cached for the request and
    the team ids cached for five minutes: the navigation asks on every back-office page."""
    if not is_agent(user):
        return False
    memberships = current_memberships(user)
    if any(role in OBSERVATORY_ROLES for _team_id, role in memberships):
        return True
    teams = {team_id for team_id, _role in memberships}
    return bool(teams and teams & observatory_team_ids())


def require_observatory(user) -> None:
    """``Http404`` unless ``can_view_observatory(user)``."""
    if not can_view_observatory(user):
        raise Http404
