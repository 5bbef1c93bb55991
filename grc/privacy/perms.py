"""Permission rules of the GDPR register, access archives and retention (the DPO's tools)."""

from __future__ import annotations

from grc.models import Membership
from grc.perms import current_roles


def is_dpo(user) -> bool:
    """Use the GDPR rights register, compile and download access archives, edit and run retention.

    Rules: an active staff account holding a current DPO membership (``Membership.Role.DPO``).
    Superusers without that membership do not: these screens show every citizen's data and are
    reserved to the function the law designates. Everyone else gets 404 on these pages.
    """
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and user.is_staff
        and Membership.Role.DPO in current_roles(user)
    )
