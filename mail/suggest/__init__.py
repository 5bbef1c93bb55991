"""Suggestions for a recognised letter: who it concerns, its type, the team it goes to, its due date.

``suggest(item)`` reads ``item.ocr_text`` and returns (stored in ``MailItem.suggestions``)::

    {"citizen": [{"id", "label", "score", "reasons"}],
     "mail_type": [{"id", "label", "score", "confidence", "reasons"}], "team": [...],
     "preselect": {"mail_type": bool, "team": bool}, "abstained": bool,
     "model": {"version", "trained_at", "label"} | None,
     "due_date": "YYYY-MM-DD" | None, "request": {"id", "tracking_code", "reasons"} | None, "sender": str}

Scores are in [0, 1], best first; reasons are short French sentences the mailroom agent reads;
``confidence`` is "sûr", "probable" or "incertain". With ``preselect`` false the choices are hints only:
the qualification screen shows them and preselects nothing (``abstained``: no team preselected).

- **Reading** (``extraction``): identifiers, names, birth dates and the sender's address in the text.
- **Citizen** (``citizens``): identifiers found in the text (request tracking code, NIR with a valid
  key, social file number) are strong evidence; names, birth dates and the sender's postcode build
  ``grc.matching.candidates.IdentityQuery`` objects scored by the citizen reference's ``match``.
- **Type**: the learned classifier (``mail.classifier``: TF-IDF + calibrated linear model, trained on
  a cold-start corpus and the agents' decisions) and the functional admins' ``RoutingRule`` rows
  (``rules``: keywords, regular expression, sender), combined in ``combine``.
- **Team**: the type's programme, then the CDAS sector of the citizen's (or the sender's) commune
  (``territory``); a quoted request, a rule's team, the citizen's previous letter of the same
  programme (``history``) add evidence.
- **Due date**: the type's ``service_level_days`` counted in working days from the day the letter was
  received (``mail.working_days``), when a type is preselected.

Nothing here writes to the database or logs personal data.
"""

from .combine import suggest

__all__ = ["suggest"]
