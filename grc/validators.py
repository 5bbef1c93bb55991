"""Rules on identity values that every way in applies: models, back-office and portal forms, API
schemas and the citizen services all call these, so a value refused in one place is refused in all.

* **Birth dates** lie between ``EARLIEST_BIRTH_DATE`` and today. 1900-01-01 is before the birth of any
  living person (the oldest French people alive were born after 1905) and catches the typed slips
  (1800 for 1980, 0198 for 1998) that would otherwise pass as a date and defeat duplicate matching.
* **Names** (birth name, usage name, first names, birth place and country) may not contain invisible or
  control characters: Unicode categories Cc (controls, NUL included), Cf (formats: the bidirectional
  overrides and isolates U+202A-U+202E and U+2066-U+2069, the marks U+200E, U+200F and U+061C,
  zero-width spaces and joiners, soft hyphens), Co (private use), Cs (surrogates), Cn (unassigned),
  Zl and Zp (line and paragraph separators). They are **refused**, not stripped: an identity is
  what the person's papers say, and silently changing what an agent or a partner system typed would
  hide that the value was pasted from somewhere else (a right-to-left override shows "Martin" for a
  value stored as "nitraM" reversed, so a stripped value may not be the name on screen either). The
  message names the character so the person can type the value again by hand.
"""

from __future__ import annotations

import datetime
import unicodedata

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

EARLIEST_BIRTH_DATE = datetime.date(1900, 1, 1)

# Categories of code points that have no place in a name (see the module docstring).
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})


def invisible_character(value: str) -> str | None:
    """The first invisible or control character of ``value`` (``None`` if there is none)."""
    for char in value or "":
        if unicodedata.category(char) in _REFUSED_CATEGORIES:
            return char
    return None


def validate_name(value: str) -> None:
    """Refuse a name holding an invisible or control character (``ValidationError``, code ``invisible``)."""
    char = invisible_character(value)
    if char is not None:
        raise ValidationError(
            _(
                "Ce champ contient un caractère invisible ou de contrôle (%(code)s), souvent ajouté par un "
                "copier-coller : saisissez la valeur au clavier."
            ),
            code="invisible",
            params={"code": f"U+{ord(char):04X}"},
        )


def validate_birth_date(value: datetime.date | None) -> None:
    """Refuse a birth date in the future or before ``EARLIEST_BIRTH_DATE`` (codes ``future``, ``too_old``)."""
    if value is None:
        return
    if value > timezone.localdate():
        raise ValidationError(_("La date de naissance ne peut pas être dans le futur."), code="future")
    if value < EARLIEST_BIRTH_DATE:
        raise ValidationError(
            _("La date de naissance ne peut pas être antérieure au %(date)s."),
            code="too_old",
            params={"date": EARLIEST_BIRTH_DATE.strftime("%d/%m/%Y")},
        )


def pydantic_check(validator):
    """``validator`` (one of the above) as a pydantic field validator: its French message as a ValueError,
    which the API answers as a 422 on that field."""

    def check(value):
        try:
            validator(value)
        except ValidationError as error:
            raise ValueError(error.messages[0]) from None
        return value

    return check
