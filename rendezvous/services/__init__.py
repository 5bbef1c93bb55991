"""Writes of appointments: the public entry point (``from rendezvous import services``).

Booking, cancelling and moving (``booking``: portal, invitations, agents, partners) and the agents' writes
(``agents``: outcomes, attendance, absences, invitations, admin of lieux, motifs and opening slots).
"""

from ..tokens import invitation_token_hash
from .agents import (
    absence_create,
    absence_delete,
    absences_import_ics,
    attendance_record,
    invitation_create,
    invitation_resend,
    invitation_revoke,
    invitations_follow_up,
    lieu_save,
    motif_asks_digital_help,
    motif_save,
    participant_outcome_set,
    plage_save,
)
from .booking import SLOT_TAKEN, rdv_book, rdv_cancel, rdv_move, slot_taken_error

__all__ = [
    "SLOT_TAKEN",
    "absence_create",
    "absence_delete",
    "absences_import_ics",
    "attendance_record",
    "invitation_create",
    "invitation_resend",
    "invitation_revoke",
    "invitation_token_hash",
    "invitations_follow_up",
    "lieu_save",
    "motif_asks_digital_help",
    "motif_save",
    "participant_outcome_set",
    "plage_save",
    "rdv_book",
    "rdv_cancel",
    "rdv_move",
    "slot_taken_error",
]
