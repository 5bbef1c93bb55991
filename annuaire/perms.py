"""Who may do what in the annuaire social. The same functions serve the portal, the back office and the API.

The annuaire itself is public (structures and services are published for everyone); what is guarded is who
changes it and who sees the people behind it (representatives' accounts, proposals' authors).
"""

from __future__ import annotations

from grc.models import Team
from grc.perms import current_team_ids, is_agent

from .models import Representative

# The Département's "Info sociale en ligne" team keeps the annuaire: its members moderate and validate claims.
INFO_SOCIALE_TEAM_CODE = "info-sociale"


def info_sociale_team() -> Team | None:
    """The team keeping the annuaire (``INFO_SOCIALE_TEAM_CODE``), or ``None`` where it does not exist yet."""
    return Team.objects.filter(code=INFO_SOCIALE_TEAM_CODE, is_active=True).first()


def is_info_sociale(user) -> bool:
    """Member of the Info sociale team.

    Rules: an active staff account with a current membership (any role) in the active team whose code is
    ``info-sociale``. Superusers are not members by default: moderation is a function, not a privilege.
    """
    if not is_agent(user):
        return False
    cache_key = "_annuaire_info_sociale"
    if not hasattr(user, cache_key):
        team_ids = current_team_ids(user)
        member = (
            bool(team_ids)
            and Team.objects.filter(pk__in=team_ids, code=INFO_SOCIALE_TEAM_CODE, is_active=True).exists()
        )
        setattr(user, cache_key, member)
    return getattr(user, cache_key)


def can_moderate(user) -> bool:
    """Publish or reject proposed changes, validate or refuse claims, import and see the representatives.

    Rules: the Info sociale team (``is_info_sociale``), nobody else.
    """
    return is_info_sociale(user)


def is_representative(user, structure) -> bool:
    """A validated representative of ``structure`` (a pending or refused claim gives nothing)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or structure is None:
        return False
    return Representative.objects.filter(
        user=user, structure=structure, status=Representative.Status.VALIDATED
    ).exists()


def can_edit_structure(user, structure) -> bool:
    """Propose changes to a structure and its services (they wait for moderation before being published).

    Rules: a validated representative of the structure, or a member of the Info sociale team.
    """
    return is_info_sociale(user) or is_representative(user, structure)


def can_claim(user) -> bool:
    """Claim a structure by its SIRET: any active, logged-in account that is not a service account."""
    return bool(
        getattr(user, "is_authenticated", False) and user.is_active and not getattr(user, "is_service_account", False)
    )


def can_orient(user) -> bool:
    """Search the annuaire for a person and record an orientation: any Département agent. Reading the person's
    file and writing on their timeline is then governed by the social file's rules (``dossier_unique.perms``)."""
    return is_agent(user)
