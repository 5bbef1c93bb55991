"""What a citizen merge does to requests, and how undo puts it back.

The loser's requests (any status, drafts included) move to the survivor, each with a history row
(acting user and reason); undo moves back those still attached to the survivor. ``moves`` keeps the
shape merges already stored expect (``{"requests": [...]}``). Timeline entries of requests are moved
by the social file's handler (it moves every timeline entry of the loser). No ``count``:
tests/grc/test_merge.py pins merge_preview's exact keys.
"""

from __future__ import annotations

from grc.merge_handlers import foreign_key_handler

from .models import Request

REQUESTS_HANDLER = foreign_key_handler("requests", Request, key="requests", counted=False)
