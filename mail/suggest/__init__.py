"""Suggestions for a recognised letter: who it concerns, its type, the team it goes to, its due date.

``suggest(item)`` reads ``item.ocr_text`` and returns (stored in ``MailItem.suggestions``)::

    {"citizen": [{"id", "label", "score", "reasons"}], "mail_type": [...], "team": [...],
     "due_date": "YYYY-MM-DD" | None, "request": {"id", "tracking_code", "reasons"} | None, "sender": str}

Scores are in [0, 1], best first; reasons are short French sentences the mailroom agent reads.

- **Reading** (``extraction``): identifiers, names, birth dates and the sender's address in the text.
- **Citizen** (``citizens``): identifiers found in the text (request tracking code, NIR with a valid
  key, social file number) are strong evidence; names, birth dates and the sender's postcode build
  ``grc.matching.candidates.IdentityQuery`` objects scored by the citizen reference's ``match``.
- **Type and team**: the functional admins' ``RoutingRule`` rows (``rules``: keywords, regular
  expression, sender), and the agents' past decisions (``history``: a TF-IDF nearest-neighbours vote
  over recently qualified letters, "3 courriers semblables classés « RSA »"). Both are combined as
  independent evidence (noisy-OR, ``combine``), so a rule and the history agreeing is stronger than either.
- **Due date**: the type's ``service_level_days`` counted in working days from the day the letter was
  received (``mail.working_days``).

Nothing here writes to the database or logs personal data.
"""

from .combine import suggest

__all__ = ["suggest"]
