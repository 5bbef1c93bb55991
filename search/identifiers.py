"""Identifiers in their canonical form, the same on both sides: in a document's ``codes`` and in a query."""

from __future__ import annotations

import re

_NON_DIGITS = re.compile(r"\D+")


def phone_code(value: str) -> str:
    """French phone number as 10 digits ("+33 6 12 34 56 78" → "0612345678"); '' when not one."""
    digits = _NON_DIGITS.sub("", value or "")
    if digits.startswith("0033"):
        digits = "0" + digits[4:]
    elif digits.startswith("33") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits if len(digits) == 10 and digits.startswith("0") else ""


def nir_codes(nir: str) -> list[str]:
    """A NIR is found with or without its key: both the 15 and the 13 characters are indexed."""
    value = re.sub(r"\s+", "", nir or "").upper()
    if len(value) == 15:
        return [value, value[:13]]
    return [value] if value else []
