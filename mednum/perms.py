"""Who may do what with the lieux de médiation numérique (the same functions for the portal and back office).

The lieux are public; what is guarded is who changes them. The rules are the annuaire's: a place belongs to a
structure, whose validated representatives propose changes; the Info sociale team moderates.
"""

from __future__ import annotations

from annuaire.perms import can_edit_structure, can_moderate

from .models import Lieu


def can_propose_lieu(user, lieu: Lieu | None, structure=None) -> bool:
    """Propose a change to ``lieu`` (or a new place for ``structure`` when ``lieu`` is ``None``).

    Rules: a validated representative of the place's structure, or the Info sociale team. A place without
    a structure can be changed by the Info sociale team only.
    """
    structure = lieu.structure if lieu is not None else structure
    if structure is None:
        return can_moderate(user)
    return can_edit_structure(user, structure)


def can_manage_lieux(user) -> bool:
    """See withdrawn places, withdraw or restore one: the Info sociale team (``annuaire.perms.can_moderate``)."""
    return can_moderate(user)
