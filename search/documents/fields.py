"""Small formatting helpers shared by the document builders of ``search.documents``."""

from __future__ import annotations


def date_text(value) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def texts(value) -> list[str]:
    """The strings inside a JSON value (form answers), flattened."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in texts(v)]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in texts(v)]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [str(value)]
    return []


def person(user) -> str:
    return user.get_full_name() if user else ""
