"""What a citizen merge does to incoming mail, and how undo puts it back.

Letters qualified for the merged (losing) citizen are re-pointed to the survivor, each with a history
row (acting user and reason); undo moves back those still on the survivor. ``moves`` keeps the shape
merges already stored expect (``{"items": [...]}``). ``MAIL_ROUTED`` timeline entries are moved by
the social file's own handler, with every other timeline entry. No ``count``: tests/grc/test_merge.py
pins merge_preview's exact keys.
"""

from __future__ import annotations

from grc.merge_handlers import foreign_key_handler

from .models import MailItem

MAIL_HANDLER = foreign_key_handler("mail", MailItem, key="items", counted=False)
