"""The NIR (numéro d'inscription au répertoire): 13 characters + a 2-digit key.

Corsica's department codes 2A and 2B are replaced by 19 and 18 for the key computation.
"""

import re

_NIR = re.compile(r"^[12378]\d{2}(0[1-9]|1[0-2]|[2-4]\d|[5-9]\d)(\d{2}|2A|2B)\d{3}\d{3}(\d{2})$")


def clean(value: str) -> str:
    return re.sub(r"[\s.-]", "", value or "").upper()


def key(first13: str) -> int:
    numeric = first13.replace("2A", "19").replace("2B", "18")
    return 97 - int(numeric) % 97


def is_valid(value: str) -> bool:
    value = clean(value)
    if len(value) != 15 or not _NIR.match(value):
        return False
    return key(value[:13]) == int(value[13:])


def mask(value: str) -> str:
    """The NIR with all but its last 4 characters hidden (what is shown to those who may not see it whole)."""
    if not value:
        return ""
    return "•" * max(len(value) - 4, 0) + value[-4:]
