"""Who may read the observatory. Shared by the back-office pages and the exports.

The observatory holds no personal data, but its figures by commune and CDAS are internal management information
until published (the open-data indicators are public: ``observatoire.opendata``).
"""

from __future__ import annotations

from django.http import Http404

from grc.models import Membership
from grc.perms import current_roles, is_agent

OBSERVATORY_ROLES = {Membership.Role.TEAM_MANAGER, Membership.Role.FUNCTIONAL_ADMIN}


def can_view_observatory(user) -> bool:
    """Read the observatory's pages and exports.

    Rules: an agent (active staff account) who is a team manager or a functional admin today (current
    membership), or who holds the ``observatoire.view_observatory`` permission (the Observatoire team: a Django
    group or a user permission given in the admin). Nobody else, superusers included only through these: the
    pages answer 404 to everyone else."""
    if not is_agent(user):
        return False
    return bool(OBSERVATORY_ROLES & current_roles(user)) or user.has_perm("observatoire.view_observatory")


def require_observatory(user) -> None:
    """``Http404`` unless ``can_view_observatory(user)``."""
    if not can_view_observatory(user):
        raise Http404
