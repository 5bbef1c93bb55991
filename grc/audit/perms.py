"""Who may use the DPO console (access log, alerts, change history, integrity)."""

from __future__ import annotations

from grc.perms import is_dpo


def can_use_dpo_console(user) -> bool:
    """Read the access log, the alerts and the change history; handle alerts.

    Rules: ``grc.perms.is_dpo``. The console shows metadata (who, what, when, why, which record),
    never file contents.
    """
    return is_dpo(user)
