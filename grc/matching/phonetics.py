"""A French phonetic key for names typed as they are heard ("Lefevre Marivonne" for LEFEBVRE Maryvonne)."""

from __future__ import annotations

import functools
import re

# French phonetic key: a small Phonex / Soundex2-fr style rule table, written for names as they are
# heard and typed ("Lefevre Marivonne" for LEFEBVRE Maryvonne). Rules run in order on a folded word
# (A-Z); lower-case letters are placeholders of one step, upper-cased at the end. The output keeps
# letters for consonants and oral vowels, and digits for nasal vowels so that a nasal is never
# confused with a pronounced N: JEAN → J1 but JEANNE → JAN, MARTIN → MART2 but MARTINE → MARTIN.
_PHONETIC_RULES: tuple[tuple[re.Pattern, str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        # Letters that spell one sound, and the mute H.
        (r"PH", "F"),
        (r"SCH|SH", "c"),  # c: the "ch" sound
        (r"CH(?=[^AEIOUY]|$)", "K"),  # CHRISTOPHE, CHLOE
        (r"CH", "c"),
        (r"H", ""),  # THIERRY, GAUTHIER, HELENE, RHODES
        (r"Y", "I"),
        (r"W", "V"),
        (r"AULT$", "AUT"),  # RENAULT, PERRAULT: the L is silent
        # S between vowels sounds Z (DENISE); a double S never does (ROUSSEAU). Before C turns into S.
        (r"SS", "s"),  # s: a pronounced S, kept by the silent-final-letter rules
        (r"(?<=[AEIOU])S(?=[AEIOU])", "Z"),
        # Hard and soft C, G, Q, X.
        (r"GN", "NI"),  # AGNES, MIGNON
        (r"QU|Q|CK", "K"),
        (r"GU(?=[EI])", "g"),  # g: a hard G (GUILLAUME, GUENAEL)
        (r"GE(?=[AOU])|G(?=[EI])", "J"),  # GEORGES, GILLES
        (r"[SC]?C(?=[EI])", "s"),  # CELINE, VINCENT, SCIENCE; s: a pronounced S (ALICE)
        (r"C", "K"),
        (r"X(?=.)", "KS"),  # a final X is silent, see below
        (r"BV", "V"),  # LEFEBVRE
        (r"PT", "T"),  # BAPTISTE
        # "ILL" after a vowel is a Y sound (MAILLARD, BOUILLON); after a consonant an L (GILLES).
        (r"(?<=[AEOU])ILL", "I"),
        # Nasal vowels: a vowel + N/M not followed by a vowel or another N/M.
        (r"IEN(?![AEIOUNM])", "I2"),  # JULIEN, FABIEN
        (r"(?:AI|EI|I|U)[NM](?![AEIOUNM])", "2"),  # ALAIN, MARTIN, VERDUN
        (r"(?:EA|A|E)[NM](?![AEIOUNM])", "1"),  # JEAN, LAURENT, LAMBERT
        (r"O[NM](?![AEIOUNM])", "3"),  # DUPONT, SIMON
        # Oral vowels spelled with several letters.
        (r"EAU|AU", "O"),
        (r"(?:AI|EI)(?![AEIOU])|OE|EU", "E"),
        (r"OU", "U"),
        # Double letters are one sound.
        (r"(.)\1+", r"\1"),
        # Silent final letters: E, then S or X, then T or D but not after S (ERNEST), then E again
        # (DUPONT, RENAUD, LEROUX, ROBERTS, GEORGES).
        (r"(?<=.)E$", ""),
        (r"(?<=.)[SX]$", ""),
        (r"(?<=[^S])[TD]$", ""),
        (r"(?<=.)E$", ""),
    )
)


@functools.lru_cache(maxsize=100_000)  # the same names come back in every query: computed once
def phonetic(word: str) -> str:
    """French phonetic key of one folded word (upper-case A-Z), for names typed as they are heard.

    Spellings that sound alike get the same key: F/PH, Y/I, EAU/AU/O, AI/EI/E, C/K/QU, S/Z between
    vowels, silent final E/S/T/X/D, double consonants, BV/V, GN, mute H, AULT/AUD/O, nasal
    AN/EN/AM/EM, IN/AIN/EIN/UN, ON/OM. So LEFEBVRE = LEFEVRE, PHILIPPE = FILIPE, GAUTHIER = GOTHIER,
    RENAULT = RENAUD = RENO, CHRISTOPHE = KRISTOF, ROUSSEAU = ROUSSO; LEROY ≠ LEROUX, JEAN ≠ JEANNE,
    MARTIN ≠ MARTINE ≠ MARTINEZ. A key is a retrieval and ranking aid, never proof of identity.
    """
    key = word
    for pattern, replacement in _PHONETIC_RULES:
        key = pattern.sub(replacement, key)
    return key.upper()


def phonetic_words(text: str) -> str:
    """Phonetic keys of the words of a folded text, space-separated, in order."""
    return " ".join(phonetic(w) for w in text.split())
