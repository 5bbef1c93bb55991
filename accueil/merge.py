"""What a citizen merge does to help sessions: the loser's sessions move to the survivor (history kept), and
undo moves back those still on the survivor. Their timeline entries move with the social file's handler
(it moves every timeline entry of the loser). Not counted in the merge preview (its keys are pinned)."""

from __future__ import annotations

from grc.merge_handlers import foreign_key_handler

from .models import HelpSession

HELP_SESSIONS_HANDLER = foreign_key_handler("help_sessions", HelpSession, key="help_sessions", counted=False)
