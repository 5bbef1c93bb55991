"""Names in the canonical form matching and search compare them in.

Upper-case ASCII (accents folded), hyphens and apostrophes as spaces, particles (le, la, de, du, des,
d') dropped, whitespace collapsed; plus the derived columns stored on ``Citizen`` for indexed retrieval.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from grc.matching.phonetics import phonetic_words

PARTICLES = {"LE", "LA", "LES", "DE", "DU", "DES", "D", "L", "DEL", "DELLA", "VAN", "VON", "DER", "DEN"}
_NON_LETTERS = re.compile(r"[^A-Z ]+")
_SPACES = re.compile(r"\s+")


@functools.lru_cache(maxsize=100_000)  # candidates' names repeat (common names): folded once
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
    """The derived columns stored on ``Citizen`` for indexed retrieval.

    ``search_phonetic`` holds the phonetic key (``phonetic``) of each word of ``search_name``, in
    the same order: family names (particles removed) then first names.
    """
    birth = normalise_name(birth_name)
    usage = normalise_name(usage_name)
    firsts = normalise_first_names(first_names)
    names = " ".join(dict.fromkeys(n for n in (birth, usage) if n))
    search_name = f"{names} {firsts}".strip()
    return {
        "norm_birth_name": birth,
        "norm_usage_name": usage,
        "norm_first_names": firsts,
        "search_name": search_name,
        "search_phonetic": phonetic_words(search_name),
    }


def glued_variants(folded: str) -> set[str]:
    """Spelling-free keys of a folded family name: "DE LA FONTAINE" → DELAFONTAINE, LAFONTAINE, FONTAINE."""
    words = folded.split()
    if not words:
        return set()
    core = [w for w in words if w not in PARTICLES] or words
    variants = {"".join(core)}
    for i, word in enumerate(words):
        variants.add("".join(words[i:]))
        if word not in PARTICLES:
            break
    return variants


_GLUED_PARTICLES = ("DELA", "DES", "DEL", "DU", "DE", "LE", "LA", "D")
# Portuguese and Italian particles, kept in stored names (DA SILVA, DOS SANTOS: not dropped like "de") but
# typed glued ("dasilva", "dossantos"): the rest is another key. Tried besides the French ones, never
# instead (DARVOR is D'ARVOR), and only with four letters left (DAVID is not VID).
_GLUED_FOREIGN_PARTICLES = ("DOS", "DAS", "DA", "DI")


def name_keys(text: str) -> set[str]:
    """Values of ``norm_birth_name``/``norm_usage_name`` that may denote this family name.

    Besides its own normalised form, a name written without spaces may carry a glued particle
    ("LEGOFF" may be stored as "Le Goff" → "GOFF"), and a name with particles may be stored glued
    ("Le Goff" → "LEGOFF"). Used for indexed retrieval only; scoring decides.
    """
    folded = fold(text)
    if not folded:
        return set()
    keys = {normalise_name(text)} | glued_variants(folded)
    for key in list(keys):
        rest = key
        for _ in range(3):
            prefix = next((p for p in _GLUED_PARTICLES if rest.startswith(p) and len(rest) - len(p) >= 3), None)
            if not prefix:
                break
            rest = rest[len(prefix) :]
            keys.add(rest)
    for key in list(keys):
        keys.update(key[len(p) :] for p in _GLUED_FOREIGN_PARTICLES if key.startswith(p) and len(key) - len(p) >= 4)
    return {k for k in keys if k}
