"""What happens to an invitation to book that apps above may want to act on (the agents' tasks).

Sent by ``rendezvous.services`` inside the write's transaction, with ``invitation`` (the Invitation);
receivers (connected from an upper app's ``AppConfig.ready``) run in that transaction, so what they write
is kept or rolled back with the invitation's change. This app never learns who listens.
"""

from django.dispatch import Signal

# An invitation expired without a booking and was just followed up (``invitations_follow_up``, the
# scheduled job): someone has to call the person back or book for them.
invitation_expired = Signal()
# An invitation no longer waits for anyone's follow-up: sent with ``invitation``, ``actor`` (the account that
# acted; ``None`` for a link used without login) and ``why``, one of the reasons below.
invitation_closed = Signal()

USED = "used"  # the person booked with the link
RESENT = "resent"  # an agent sent the link again (a new token)
REVOKED = "revoked"  # an agent withdrew the invitation
REPLACED = "replaced"  # an agent sent the same person a new invitation for the same motif
BOOKED = "booked"  # the person has an appointment for that motif, booked another way (agent, portal, partner)
CLOSED_REASONS = (USED, RESENT, REVOKED, REPLACED, BOOKED)
# The appointment that answered an expired invitation (``BOOKED``) was cancelled and nothing else answers it (no
# other active booking for the motif, no newer invitation): someone has to call the person back again. Sent with
# ``invitation`` and ``actor`` (who cancelled; ``None`` for the person themselves).
invitation_reopened = Signal()
