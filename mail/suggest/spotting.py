"""Word pairs of a letter that may be a person's name no phrase introduces ("la femme de Hervé Gautier").

``spot_pairs`` offers them; ``grc.matching.find.known_name_pairs`` keeps those some citizen bears, and
``citizens`` tries them only when no name read by ``extraction`` answers. Nothing here touches the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from grc.matching.names import fold

from .words import MONTHS, NOT_NAMES, NOT_PERSON

# Name spotting (``spot_pairs``): how far apart two words of a name may be, how many all-capital words are
# paired with every capitalised word, over how much of the text (a name is in the first pages, signatures
# included, of any real letter).
SPOT_WINDOW = 3
SPOT_FAR_CAPS = 8
SPOT_FAR_WORDS = 200
SPOT_LOWER_PAIRS = 2000
SPOT_LIMIT = 12_000
# "V. Lemoine", "B. Lorand, présidente", "LORAND B.": a first name's initial with a family name; in a note
# written all in small letters, "g. lesage, presidente" (a family name of three letters at least).
_INITIAL_RE = re.compile(
    r"(?<![\w.])([A-Z])\.[ \t]*([A-ZÀ-Þ][a-zà-ÿ'’-]+|[A-ZÀ-Þ]{2,}[A-ZÀ-Þ'’-]*)(?![\w.])"
    r"|(?<![\w.])([A-ZÀ-Þ]{2,}[A-ZÀ-Þ'’-]*)[ \t]+([A-Z])\.(?!\w)"
    r"|(?<![\w.])([a-z])\.[ \t]*([a-zà-ÿ][a-zà-ÿ'’-]{2,})(?![\w.])"
)
_SPOT_WORD_RE = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ]+(?:['’-][A-Za-zÀ-ÖØ-öø-ÿ]+)*")

# Words in small letters that are no name: paired with nothing (the commonest of French letters).
_SPOT_LOWER_STOP = set(
    "AVEC AUSSI AUTRE AVANT AVOIR BEAUCOUP BIEN BONJOUR CAR CELA CELLE CEST CETTE CHEZ COMME COMMENT DANS DEPUIS"
    " DEJA DES DEUX DOIT DONC DONT ELLE ELLES ENCORE ENTRE ETAIT ETAIS ETE ETRE FAIRE FAIT FAUT FOIS JAI JAMAIS"
    " JUSQU LES LEUR LEURS LUI MAIS MAINTENANT MEME MERCI MES MOI MOIS MON NON NOS NOTRE NOUS PARCE PAS PEUT PEU"
    " PLUS POUR POURQUOI QUAND QUE QUEL QUELLE QUI RIEN SANS SES SON SONT SUIS SUR TOUJOURS TOUS TOUT TOUTE TRES"
    " TROP UNE VOS VOTRE VOUS ANS JOUR JOURS ALORS APRES AUX AVAIT AVEZ AVONS CES CEUX ICI MADAME MONSIEUR"
    " DOSSIER AIDE PAYER ARGENT TRAVAIL ECOLE ENFANT ENFANTS FILS FILLE MARI FEMME MAMAN PAPA BEBE".split()
)
# Short words that start a family name ("da Silva", "Van Damme", "dos Santos"), kept with the next word.
_SPOT_PARTICLES = {"DA", "DAS", "DOS", "DE", "DI", "DU", "DEL", "DELLA", "VAN", "VON", "MAC", "MC", "LE", "LA"}
# Words before a place named after someone ("rue Jean Jaurès", "collège Anne de Bretagne").
_SPOT_PLACES = set(
    "RUE AVENUE AV BD BOULEVARD PLACE ALLEE IMPASSE CHEMIN ROUTE QUAI SQUARE COURS PASSAGE RESIDENCE LOTISSEMENT"
    " ECOLE COLLEGE LYCEE GROUPE SCOLAIRE HOPITAL CLINIQUE CENTRE EHPAD FOYER SALLE STADE ESPACE MAISON"
    " MEDIATHEQUE GYMNASE PARC INSTITUT".split()
)
# Capitalised words that are no name (sentence starts, days, months), left out of name spotting.
_SPOT_STOP = (
    NOT_PERSON
    | NOT_NAMES
    | set(MONTHS)
    | set(
        "LUNDI MARDI MERCREDI JEUDI VENDREDI SAMEDI DIMANCHE IL ELLE ILS ELLES NOUS ON CE CET CETTE CES CELA CA"
        " DEPUIS POUR PAR EN DANS SI MAIS DONC CAR QUAND COMME AVEC SANS SUITE VEUILLEZ RECEVEZ SALUTATIONS"
        " BIEN CORDIALES SINCERES JAI AU AUX UN UNE DES DU DE D L Y A EST SOMMES SUIS PS PJ REF NOTRE VOTRE".split()
    )
)


@dataclass
class Spotted:
    """Word pairs of a letter that may be a (family name, first name), folded, tried in this order."""

    # Capitalised words close together, or a word in capitals and one close to it.
    near: list[tuple[str, str]] = field(default_factory=list)
    # A family name with the initial of a first name ("V. Lemoine", "LORAND B."): (family, initial).
    initials: list[tuple[str, str]] = field(default_factory=list)
    # A word in capitals and any word of the letter.
    far: list[tuple[str, str]] = field(default_factory=list)
    # A word in small letters close to another ("lenny da silva", "Jordan lebreton").
    lower: list[tuple[str, str]] = field(default_factory=list)


def spot_pairs(text: str) -> Spotted:
    """Word pairs of the letter that may be a (family name, first name), folded (see ``Spotted``).

    Near: two capitalised words at most ``SPOT_WINDOW`` words apart, in either order ("Hervé Gautier",
    "Legrand Priscilla", "le président Roger Piel"), or a word in capitals with a word in small letters that
    close ("PICHON anthony"). Far: a word in capitals with any word of the letter ("Sarah … la boîte aux
    lettres indique TESSIER", "mon fils enzo … kevin GUILLARD"). Lower: two words in small letters that close,
    the oral letters' names. Nothing here says they are names: the reference says which pairs some citizen
    bears (``grc.matching.find.known_name_pairs``).
    """
    kept: list[tuple[int, str, str]] = []  # (position among all the words, folded word, "caps" | "title" | "low")
    after_place = 0
    particle = (-2, "")
    for position, m in enumerate(_SPOT_WORD_RE.finditer(text)):
        token = m.group(0)
        word = fold(token)
        if word in _SPOT_PLACES:
            # "rue Victor Hugo", "école Anne de Bretagne": the words naming a place are no one's name.
            after_place = 4
            continue
        if after_place:
            after_place -= 1
            continue
        if word in _SPOT_PARTICLES:
            particle = (position, word)
            continue
        if len(word) < 2 or word in _SPOT_STOP:
            continue
        if token[0].isupper():
            case = "caps" if token.isupper() and len(token) > 2 else "title"
        elif len(word) > 2 and word not in _SPOT_LOWER_STOP:
            case = "low"
        else:
            continue
        kept.append((position, word, case))
        if particle[0] == position - 1:
            # "lenny da silva", "Anne DE LA HAYE": the family name with its particle, as the reference may keep it.
            kept.append((position, f"{particle[1]} {word}", case))
    near: dict[tuple[str, str], None] = {}
    lower: dict[tuple[str, str], None] = {}
    for i, (position, word, case) in enumerate(kept):
        for other_position, other, other_case in kept[i + 1 :]:
            if other_position - position > SPOT_WINDOW:
                break
            if other == word:
                continue
            cases = {case, other_case}
            # A word in small letters goes with a word in capitals at once; with a capitalised one (a signature
            # "Jordan lebreton", "ma fille Lilou boisramé") or another in small letters, last.
            target = near if "low" not in cases or "caps" in cases else lower
            target[(word, other)] = None
            target[(other, word)] = None
    capitals = list(dict.fromkeys(w for _, w, case in kept if case == "caps"))[:SPOT_FAR_CAPS]
    firsts = list(dict.fromkeys(w for _, w, _ in kept))[:SPOT_FAR_WORDS]
    far = {(family, first): None for family in capitals for first in firsts if first != family}
    initials = {
        (fold(family), initial.upper()): None
        for m in _INITIAL_RE.finditer(text)
        # (initial, family) from whichever form matched: "V. Lemoine", "LORAND B.", "g. lesage".
        for initial, family in [next((m[i], m[f]) for i, f in ((1, 2), (4, 3), (5, 6)) if m[i])]
        if fold(family) not in _SPOT_STOP
    }
    return Spotted(
        near=list(near),
        far=[pair for pair in far if pair not in near],
        lower=list(lower)[:SPOT_LOWER_PAIRS],
        initials=list(initials)[:SPOT_FAR_CAPS],
    )
