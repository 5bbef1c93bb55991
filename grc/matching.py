"""Identity normalisation for matching and search.

Names are compared in a canonical form: upper-case ASCII (accents folded), hyphens and
apostrophes as spaces, particles (le, la, de, du, des, d') dropped, whitespace collapsed.
"""

from __future__ import annotations

import re
import unicodedata

PARTICLES = {"LE", "LA", "LES", "DE", "DU", "DES", "D", "L", "DEL", "DELLA", "VAN", "VON", "DER", "DEN"}
_NON_LETTERS = re.compile(r"[^A-Z ]+")
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Upper-case ASCII with accents, ligatures, hyphens and apostrophes turned into plain letters/spaces."""
    text = (text or "").replace("Œ", "OE").replace("œ", "oe").replace("Æ", "AE").replace("æ", "ae").replace("ß", "ss")
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c)).upper()
    ascii_text = _NON_LETTERS.sub(" ", ascii_text)
    return _SPACES.sub(" ", ascii_text).strip()


def normalise_name(text: str) -> str:
    """Canonical family name: folded, particles removed ("d'Arc" → "ARC", "Le Goff" → "GOFF")."""
    words = [w for w in fold(text).split(" ") if w]
    kept = [w for w in words if w not in PARTICLES]
    return " ".join(kept or words)


def normalise_first_names(text: str) -> str:
    """Canonical first names, in order: "Jean-Pierre, Marie" → "JEAN PIERRE MARIE"."""
    return fold(text)


def normalised_fields(*, birth_name: str, usage_name: str, first_names: str) -> dict[str, str]:
    """The derived columns stored on ``Citizen`` for indexed retrieval."""
    birth = normalise_name(birth_name)
    usage = normalise_name(usage_name)
    firsts = normalise_first_names(first_names)
    names = " ".join(dict.fromkeys(n for n in (birth, usage) if n))
    return {
        "norm_birth_name": birth,
        "norm_usage_name": usage,
        "norm_first_names": firsts,
        "search_name": f"{names} {firsts}".strip(),
    }
