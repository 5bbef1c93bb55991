"""Invitation tokens: made here, kept only as their SHA-256 (``Invitation.token_hash``).

Shared by the agents' services (an invitation created) and the worker that sends the link (which draws a new one,
``rendezvous.notifications.invitations``), below both.
"""

from __future__ import annotations

import hashlib
import secrets


def invitation_token_new() -> tuple[str, str]:
    """(token, hash): 32 random bytes for the link, and what is stored of them."""
    token = secrets.token_urlsafe(32)
    return token, invitation_token_hash(token=token)


def invitation_token_hash(*, token: str) -> str:
    """What is stored of an invitation token (SHA-256, hex): the link itself is never kept."""
    return hashlib.sha256(token.encode()).hexdigest()
