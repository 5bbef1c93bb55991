"""Who may use the DPO console: the access log, the alerts and their rules, the change history, the integrity
checks of the log.

One rule, ``grc.perms.is_dpo`` (an active staff account holding a current DPO membership). It lives in the
citizen reference because the access-log core (``grc.audit``) and privacy, below and beside the console,
check the same rule; the console's pages and reads go through the two functions here.
"""

from __future__ import annotations

from grc import perms as grc_perms


def can_use_dpo_console(user) -> bool:
    """Read the access log, the alerts and the change history; handle alerts; tune the alert rules; ask for a
    verification of the log.

    Rules: ``grc.perms.is_dpo``. The console shows metadata (who, what, when, why, which record), never
    file contents.
    """
    return grc_perms.is_dpo(user)


def require_dpo(user) -> None:
    """``Http404`` unless ``can_use_dpo_console(user)`` (``grc.perms.require_dpo``): how every page and read of
    the console starts, so nobody else learns it exists."""
    grc_perms.require_dpo(user)
