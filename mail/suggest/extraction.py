"""What is read from a letter's OCR text: identifiers, names, dates and the sender's address.

Identifiers (request tracking code, NIR with a valid key, social file number) are the strongest
evidence of who a letter concerns; names come after a civility, from "Nom :" / "Prénom :" labels,
"je soussigné" or a "Prénom NOM" line; birth dates are those labelled "né le" / "date de naissance".
Nothing here touches the database; what is extracted is never logged.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from grc import nir as nir_lib
from grc.matching.names import fold

# Letters are read from their first characters only: a 50-page scan stays a few milliseconds.
TEXT_LIMIT = 40_000

MONTHS = {
    "JANVIER": 1,
    "FEVRIER": 2,
    "MARS": 3,
    "AVRIL": 4,
    "MAI": 5,
    "JUIN": 6,
    "JUILLET": 7,
    "AOUT": 8,
    "SEPTEMBRE": 9,
    "OCTOBRE": 10,
    "NOVEMBRE": 11,
    "DECEMBRE": 12,
}

_NIR_RE = re.compile(
    r"(?<![\dA-Z])([12378])[ .]?(\d{2})[ .]?(\d{2})[ .]?(\d{2}|2A|2B)[ .]?(\d{3})[ .]?(\d{3})[ .]?(\d{2})(?![\dA-Z])"
)
# "D-2026-7K3M9Q"; OCR may add spaces around the hyphens or read them as dashes.
_TRACKING_RE = re.compile(r"\bD\s?[-‐–—]\s?(20\d{2})\s?[-‐–—]\s?([A-Z0-9]{6})\b")
_FILE_NUMBER_RE = re.compile(
    r"(?:dossier\s+(?:social\s+)?(?:n\s?[°o]|num[ée]ro|no\.?)|num[ée]ro\s+de\s+dossier(?:\s+social)?(?:\s+est)?"
    r"(?:\s+le)?)\s*:?\s*(\d{1,9})\b",
    re.I,
)
_NUMERIC_DATE_RE = re.compile(r"(?<!\d)(\d{1,2})\s?[/.-]\s?(\d{1,2})\s?[/.-]\s?(\d{4})(?!\d)")
_MONTH_NAMES = "janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[uû]t|septembre|octobre|novembre|d[ée]cembre"
_TEXT_DATE_RE = re.compile(rf"(?<!\d)(\d{{1,2}})(?:er)?\s+({_MONTH_NAMES})\s+(\d{{4}})(?!\d)", re.I)
_BORN = r"n[ée](?:e|\(e\))?"
_BIRTH_CONTEXT_RE = re.compile(rf"({_BORN}\s+le|naissance|{_BORN}\s+en\s+date\s+du)\s*:?\s*$", re.I)
_POSTCODE_RE = re.compile(r"(?<!\d)(\d{2}\s?\d{3})\s+([A-Za-zÀ-ÿ][A-Za-zÀ-ÿ' -]{1,60})")
_CIVILITY_RE = re.compile(
    r"\b(Madame|Monsieur|Mademoiselle|Mme|Mlle|M\.)\s+((?:[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ'-]*\s?){1,4})", re.M
)
_SIGNED_RE = re.compile(r"soussign[ée](?:e|\(e\))?s?\s*(?:,|:)?\s*((?:[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ'-]*\s?){1,4})", re.I)
_LABEL_RE = re.compile(
    r"^\s*(nom(?:\s+de\s+naissance|\s+d['’]usage|\s+de\s+famille)?|pr[ée]noms?)\s*:\s*(.+?)\s*$", re.I | re.M
)
# Words after a civility that are not a person's name ("Monsieur le Président", "Madame, Monsieur").
_NOT_NAMES = {
    "LE",
    "LA",
    "LES",
    "PRESIDENT",
    "PRESIDENTE",
    "DIRECTEUR",
    "DIRECTRICE",
    "MONSIEUR",
    "MADAME",
    "MAIRE",
    "CHEF",
    "RESPONSABLE",
    "ASSISTANTE",
    "ASSISTANT",
    "SOCIALE",
    "SOCIAL",
    "ET",
    "OU",
    "JE",
    "NE",
    "NEE",
    "DEMEURANT",
    "DOMICILIE",
    "DOMICILIEE",
    "VOUS",
    "MON",
    "MA",
    "MES",
    "FILS",
    "FILLE",
    "EPOUX",
    "EPOUSE",
}


@dataclass
class Extracted:
    """What was read from the letter (never logged)."""

    nirs: list[str] = field(default_factory=list)
    tracking_codes: list[str] = field(default_factory=list)
    file_numbers: list[int] = field(default_factory=list)
    birth_dates: list[datetime.date] = field(default_factory=list)
    other_dates: list[datetime.date] = field(default_factory=list)
    names: list[tuple[str, str]] = field(default_factory=list)  # (family name, first names)
    postcode: str = ""
    city: str = ""
    address: str = ""
    sender: str = ""


def _date(day: int, month: int, year: int) -> datetime.date | None:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _dates(text: str) -> tuple[list[datetime.date], list[datetime.date]]:
    """(birth dates: labelled "né le" / "date de naissance", other dates), in order of appearance."""
    found: list[tuple[int, datetime.date, bool]] = []
    for m in _NUMERIC_DATE_RE.finditer(text):
        day = _date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if day:
            found.append((m.start(), day, bool(_BIRTH_CONTEXT_RE.search(text[max(0, m.start() - 40) : m.start()]))))
    for m in _TEXT_DATE_RE.finditer(text):
        month = MONTHS.get(fold(m.group(2)))
        day = _date(int(m.group(1)), month, int(m.group(3))) if month else None
        if day:
            found.append((m.start(), day, bool(_BIRTH_CONTEXT_RE.search(text[max(0, m.start() - 40) : m.start()]))))
    found.sort(key=lambda f: f[0])
    births = list(dict.fromkeys(d for _, d, labelled in found if labelled))
    others = list(dict.fromkeys(d for _, d, labelled in found if not labelled and d not in births))
    return births, others


def _split_name(words: list[str]) -> tuple[str, str] | None:
    """("DUPONT", "Jean") from "Jean DUPONT" or "DUPONT Jean": the upper-case words are the family name."""
    words = [w.strip("-'") for w in words if w.strip("-'")]
    words = [w for w in words if fold(w) not in _NOT_NAMES]
    if not words:
        return None
    upper = [w for w in words if len(w) > 1 and w.isupper()]
    other = [w for w in words if w not in upper]
    if upper and other:
        return " ".join(upper), " ".join(other)
    if len(words) == 1:
        return words[0], ""
    # No case hint (all capitals or all capitalised): French letters mostly write "Prénom NOM".
    return " ".join(words[1:]), words[0]


def _names(text: str) -> list[tuple[str, str]]:
    names: list[tuple[str, str]] = []
    labelled: dict[str, str] = {}
    for m in _LABEL_RE.finditer(text):
        key = fold(m.group(1))
        labelled.setdefault("PRENOM" if key.startswith("PRENOM") else key, m.group(2))
    family = labelled.get("NOM") or labelled.get("NOM DE NAISSANCE") or labelled.get("NOM DE FAMILLE")
    if family:
        names.append((family, labelled.get("PRENOM", "")))
    if labelled.get("NOM D USAGE"):
        names.append((labelled["NOM D USAGE"], labelled.get("PRENOM", "")))
    for name_re in (_SIGNED_RE, _CIVILITY_RE):
        for m in name_re.finditer(text):
            chunk = m.group(m.lastindex).split("\n")[0]
            split = _split_name(chunk.split())
            if split:
                names.append(split)
    # A line that is only "Prénom NOM" (signature, sender block).
    for line in text.splitlines():
        words = line.split()
        if 2 <= len(words) <= 4 and all(re.fullmatch(r"[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ'-]*", w) for w in words):
            if any(len(w) > 1 and w.isupper() for w in words) and any(not w.isupper() for w in words):
                split = _split_name(words)
                if split:
                    names.append(split)
    seen, unique = set(), []
    for family, first in names:
        key = (fold(family), fold(first))
        if key[0] and key not in seen:
            seen.add(key)
            unique.append((family, first))
    return unique


def _sender(text: str) -> str:
    for line in text.splitlines():
        line = line.strip()
        if len(line) >= 3 and re.search(r"[A-Za-zÀ-ÿ]{2}", line):
            return line[:255]
    return ""


def extract(text: str) -> Extracted:
    """Identifiers, names, dates and the sender's address read from OCR text."""
    text = text or ""
    upper = text.upper()
    found = Extracted(sender=_sender(text))
    for m in _NIR_RE.finditer(upper):
        value = "".join(m.groups())
        if nir_lib.is_valid(value) and value not in found.nirs:
            found.nirs.append(value)
    for m in _TRACKING_RE.finditer(upper):
        code = f"D-{m.group(1)}-{m.group(2)}"
        if code not in found.tracking_codes:
            found.tracking_codes.append(code)
    for m in _FILE_NUMBER_RE.finditer(text):
        number = int(m.group(1))
        if number not in found.file_numbers:
            found.file_numbers.append(number)
    found.birth_dates, found.other_dates = _dates(text)
    found.names = _names(text)
    lines = text.splitlines()
    for index, line in enumerate(lines):
        m = _POSTCODE_RE.search(line)
        if not m or "CEDEX" in fold(line) or "DEPARTEMENT" in fold(" ".join(lines[max(0, index - 2) : index + 1])):
            continue
        found.postcode = m.group(1).replace(" ", "")
        found.city = m.group(2).strip()
        before = line[: m.start()].strip(" ,")
        found.address = before or (lines[index - 1].strip() if index else "")
        break
    return found


def sender_postcode(text: str) -> str:
    """The first postcode of the text outside a CEDEX line (the sender's, at the top of a letter)."""
    for line in text.splitlines():
        m = _POSTCODE_RE.search(line)
        if m and "CEDEX" not in fold(line):
            return m.group(1).replace(" ", "")
    return ""
