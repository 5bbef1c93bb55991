"""Limits on what people write in a social file, and what they read when they pass one.

Shared by the services (which enforce them) and the back office's forms (which say them first),
so the two never disagree.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from .models import NOTE_MAX_LENGTH

EMERGENCY_REASON_MIN_LENGTH = 20


def emergency_access_max_hours() -> float:
    """How long an emergency access may last: ``EMERGENCY_ACCESS_MAX_HOURS``, 4 hours by default."""
    return getattr(settings, "EMERGENCY_ACCESS_MAX_HOURS", 4)


def note_too_long_message(length: int) -> str:
    """What the writer of a note past ``NOTE_MAX_LENGTH`` reads (the form says the same)."""
    return _(
        "La note ne peut pas dépasser %(limit)s caractères (elle en compte %(length)s) : raccourcissez-la, "
        "ou joignez le texte long au dossier comme document."
    ) % {
        "limit": number_format(NOTE_MAX_LENGTH, force_grouping=True),
        "length": number_format(length, force_grouping=True),
    }
