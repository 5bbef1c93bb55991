"""Writes on the social file. The only code that grants or removes access to a file.

Every service is keyword-only and atomic: it checks the actor against ``dossier_unique.perms``,
does the write with history (acting user), writes the timeline entry (``dossier_unique.timeline``),
and recomputes the guardian permission rows it may have changed (``access``) — in one transaction.

One module per responsibility; this package is the public entry point (``services.note_write``):

- ``access``: team groups and the permission rows, recomputed from their sources;
- ``accompaniments``: the file itself, opening, closing and transferring accompaniments;
- ``members``: professionals intervening on the file;
- ``content``: notes and documents;
- ``grants``: sharing grants;
- ``emergency``: emergency access and its review by the DPO;
- ``expiry``: grants and emergency accesses reaching their end.
"""

from .access import resync_file_access, team_group, team_group_sync, team_groups_sync_all
from .accompaniments import accompaniment_close, accompaniment_open, accompaniment_transfer, social_file_get_or_create
from .content import document_add, note_write
from .emergency import emergency_access_open, emergency_access_review
from .expiry import expire_grants_and_emergency_accesses
from .grants import grant_give, grant_revoke
from .members import member_add, member_end

__all__ = [
    "accompaniment_close",
    "accompaniment_open",
    "accompaniment_transfer",
    "document_add",
    "emergency_access_open",
    "emergency_access_review",
    "expire_grants_and_emergency_accesses",
    "grant_give",
    "grant_revoke",
    "member_add",
    "member_end",
    "note_write",
    "resync_file_access",
    "social_file_get_or_create",
    "team_group",
    "team_group_sync",
    "team_groups_sync_all",
]
