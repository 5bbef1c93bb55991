"""What a search asks and what it answers, independent of the backend; and reading the typed text.

``parse(text)`` splits what an agent typed into exact identifiers (tracking code ``D-2026-7K3M9Q``,
registration number ``2026-C-000123``, NIR with or without key, phone number, e-mail), a birth date
(``12/03/1985``, ``12-03-1985``, ``1985-03-12``) and the remaining words. Exact identifiers are
looked up in the documents' ``codes`` and ranked before any text match.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.utils.html import escape

from .identifiers import nir_codes, phone_code
from .registry import kinds as registered_kinds
from .scope import UserScope

TRACKING_CODE = re.compile(r"\bD-\d{4}-[2-9A-HJ-NP-Z]{6}\b", re.IGNORECASE)
REGISTRATION_NUMBER = re.compile(r"\b\d{4}-C-\d{6}\b", re.IGNORECASE)
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
DATE_DMY = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\b")
DATE_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
# NIR: 1 or 2, then 12 characters (digits, or 2A/2B for Corsica), an optional 2-digit key; spaces allowed.
NIR = re.compile(r"\b[12](?:\s?\d{2}){2}\s?(?:\d{2}|2A|2B)\s?\d{3}\s?\d{3}(?:\s?\d{2})?\b", re.IGNORECASE)
PHONE = re.compile(r"(?:\+33\s?|0033\s?|\b0)[1-9](?:[\s.-]?\d{2}){4}\b")

MAX_QUERY_LENGTH = 200
MAX_LIMIT = 100


@dataclass(frozen=True)
class ParsedQuery:
    text: str  # the words left for full text and names
    codes: tuple[str, ...] = ()
    birth_date: datetime.date | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.text or self.codes or self.birth_date)


def parse(raw: str) -> ParsedQuery:
    text = (raw or "")[:MAX_QUERY_LENGTH]
    codes: list[str] = []

    def take(pattern, normalise):
        nonlocal text
        for match in pattern.finditer(text):
            codes.extend(normalise(match.group(0)))
        text = pattern.sub(" ", text)

    take(TRACKING_CODE, lambda v: [v.upper()])
    take(REGISTRATION_NUMBER, lambda v: [v.upper()])
    take(EMAIL, lambda v: [v.lower()])
    birth_date = None
    for pattern, order in ((DATE_DMY, (3, 2, 1)), (DATE_ISO, (1, 2, 3))):
        match = pattern.search(text)
        if match and birth_date is None:
            try:
                birth_date = datetime.date(*(int(match.group(i)) for i in order))
            except ValueError:
                birth_date = None
            else:
                text = text[: match.start()] + " " + text[match.end() :]
    take(NIR, lambda v: nir_codes(v)[:1])
    take(PHONE, lambda v: [p] if (p := phone_code(v)) else [])
    text = re.sub(r"\s+", " ", text).strip()
    return ParsedQuery(text=text, codes=tuple(dict.fromkeys(codes)), birth_date=birth_date)


@dataclass(frozen=True)
class SearchQuery:
    scope: UserScope
    text: str
    kinds: tuple[str, ...] = field(default_factory=registered_kinds)
    filters: dict = field(default_factory=dict)  # {"programme": "rsa", "status": "open"}
    limit: int = 20
    offset: int = 0

    @property
    def parsed(self) -> ParsedQuery:
        return parse(self.text)


@dataclass
class Hit:
    kind: str
    object_id: int
    title: str
    subtitle: str
    score: float
    exact: bool = False
    citizen_id: int | None = None
    # Safe HTML: the escaped snippet with <mark> around matched words.
    highlight: str = ""


@dataclass
class Results:
    hits: list[Hit]
    total: int
    facets: dict[str, dict[str, int]]
    # True when the candidates were capped: ``total`` and facets are then lower bounds.
    capped: bool = False


# Backends mark matched words with these control characters; ``safe_highlight`` escapes the rest.
MARK_START, MARK_END = "\x02", "\x03"


def safe_highlight(snippet: str) -> str:
    """Escape a backend's snippet and turn its markers into ``<mark>``: stored text never becomes HTML."""
    text = escape(snippet.replace("\n", " "))
    return text.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
