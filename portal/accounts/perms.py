"""Who may do what with citizen accounts' records."""

from privacy.perms import is_dpo


def can_handle_deletion_requests(user) -> bool:
    """List, open and close account deletion requests.

    Rules: the DPO only (``privacy.perms.is_dpo``: an active staff account with a current DPO
    membership). Everyone else gets 404. The citizen sees their own request only as its outcome.
    """
    return is_dpo(user)
