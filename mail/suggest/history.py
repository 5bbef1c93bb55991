"""What the agents decided before for the same citizen: the team their last letter went to.

It counts only for the same programme: a citizen's earlier transport letter says nothing about where
their RSA letter goes (one similar past letter used to outweigh everything: issue 13).
"""

from __future__ import annotations

from mail.models import MailItem

# A letter of a citizen identified with this confidence votes for the team their last letter went to.
PREVIOUS_LETTER_MIN_CITIZEN = 0.9
PREVIOUS_LETTER_SCORE = 0.4


def previous_letter(citizens: list[dict], *, exclude_id=None):
    """The last letter qualified for the (confidently) identified citizen, with its team (and its kind)."""
    if not citizens or citizens[0]["score"] < PREVIOUS_LETTER_MIN_CITIZEN:
        return None
    rows = MailItem.objects.filter(citizen_id=citizens[0]["id"], team__isnull=False, qualified_at__isnull=False)
    if exclude_id:
        rows = rows.exclude(pk=exclude_id)
    return (
        rows.select_related("team")
        .order_by("-qualified_at", "-pk")
        .only("registration_number", "team_id", "team__kind", "team__name", "team__is_active")
        .first()
    )
