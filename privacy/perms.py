"""Permission rules of the GDPR register, access archives and retention (the DPO's tools)."""

from __future__ import annotations

from grc.perms import is_dpo

__all__ = ["is_dpo"]  # Use the register, compile and download access archives, edit and run retention.
