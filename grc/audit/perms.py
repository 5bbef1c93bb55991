"""Who may use the DPO console (access log, alerts, change history, integrity)."""

from __future__ import annotations

from grc.models import Membership
from grc.perms import current_roles


def can_use_dpo_console(user) -> bool:
    """Read the access log, the alerts and the change history; handle alerts.

    Rules: an active staff account with a current DPO membership. Nobody else — not a superuser
    without the role, not a team manager (their pages 404). The console shows metadata (who,
    what, when, why, which record), never file contents.
    """
    if not (getattr(user, "is_authenticated", False) and user.is_active and user.is_staff):
        return False
    return Membership.Role.DPO in current_roles(user)
