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

from .spotting import SPOT_LIMIT, Spotted, spot_pairs
from .words import MONTHS
from .words import NOT_NAMES as _NOT_NAMES
from .words import NOT_PERSON as _NOT_PERSON

# Letters are read from their first characters only: a 50-page scan stays a few milliseconds.
TEXT_LIMIT = 40_000


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
# "il a 8 ans", "Raymonde Boscher, 88 ans", "âgée de 91 ans", "j'ai 45 ans"; not "il y a 3 ans".
_AGE_RE = re.compile(r"(?:(?<!\w)(?<!y )ai?|[âa]g[ée]e?s?\s+de|[,(])\s*(\d{1,3})\s*ans\b", re.I)
_POSTCODE_RE = re.compile(r"(?<!\d)(\d{2}\s?\d{3})\s+([A-Za-zÀ-ÿ][A-Za-zÀ-ÿ' -]{1,60})")
_LABEL_RE = re.compile(
    r"^\s*(nom(?:\s+de\s+naissance|\s+d['’]usage|\s+de\s+famille)?|pr[ée]noms?)\s*:\s*(.+?)\s*$", re.I | re.M
)

_PARTICLES = {"LE", "LA", "DE", "DU", "DES", "D", "L", "DEL", "VAN", "VON", "DA", "DI", "DOS"}
_NAME_WORD = r"(?:[A-ZÀ-ÖØ-Þ][A-Za-zÀ-ÖØ-öø-ÿ'’]*(?:-[A-Za-zÀ-ÖØ-öø-ÿ'’]+)*)"
_PARTICLE_WORD = r"(?:[Ll]e|[Ll]a|[Dd]e|[Dd]u|[Dd]es|[Dd]['’]|LE|LA|DE|DU|DES|D['’])"
# One to four capitalised words ("Océane Pichon", "Marie LE GOFF", "Jean-Yves Le Bris"), on one line.
_NAME = rf"(?:{_NAME_WORD}(?:[ \t]+(?:{_PARTICLE_WORD}[ \t]*)?{_NAME_WORD}){{0,3}})"
_CUES = (
    r"(?i:je\s+m['’]?\s*a?p+e+l+e+s?|je\s+suis|je\s+soussign[ée]e?s?(?:\(e\))?|moi[- ]m[êe]me|"
    r"(?:mon|notre)\s+(?:fils|petit[- ]fils|neveu|enfant|fr[èe]re|mari|[ée]poux|p[èe]re|compagnon|conjoint|"
    r"gar[çc]on|gamin|b[ée]b[ée]|pupille|prot[ée]g[ée])|"
    r"(?:la\s+)?famille\s+(?:de|d['’])|"
    r"(?:ma|notre)\s+(?:fille|petite[- ]fille|gamine|ni[èe]ce|m[èe]re|femme|[ée]pouse|s[œoe]ur|compagne|conjointe|"
    r"prot[ée]g[ée]e)|"
    r"l['’]enfant|les\s+enfants|(?:le|la|du|de\s+la)\s+(?:petit|petite|jeune)|(?:mon|ma|notre)\s+petite?|"
    r"l['’][ée]l[èe]ve|concerne|concernant|au\s+sujet\s+d[e'’]|objet|au\s+nom\s+de|bonjour|"
    r"dossier\s+de|situation\s+de|c['’]est|c(?=[ \t])|ici|"
    r"(?:grand-m[èe]re|grand-p[èe]re|m[èe]re|p[èe]re|parents?|maman|papa|tante|oncle|tut(?:eur|rice)|"
    r"curat(?:eur|rice))(?:\s+(?:paternel|maternel)le?)?\s+(?:de|d['’])|"
    r"(?:[ée]l[èe]ve|enfant|patiente?|b[ée]n[ée]ficiaire|usag[èe]re?|allocataire|demandeu(?:r|se)|"
    r"int[ée]ress[ée]e?|identit[ée]|nom\s+et\s+pr[ée]noms?|personne\s+concern[ée]e)\s*:|"
    r"madame|monsieur|mademoiselle|mme|mlle|mr\.?|m\.)"
    # "mon fils aîné, Théo …": a word about the child may sit between the cue and the name.
    r"(?:\s+(?i:a[îi]n[ée]e?|cadet(?:te)?|unique|de\s+\d+\s+ans))?"
)
# "Prénom NOM" anywhere in the text (the capitals mark the family name), or a name followed by "né(e) le".
_CAPITALS = r"[A-ZÀ-ÖØ-Þ]{2,}(?:[- ][A-ZÀ-ÖØ-Þ]{2,})?"
_MIXED_NAME_RE = re.compile(
    rf"(?<![\w'’])((?:{_NAME_WORD}[ \t]+){{1,2}}(?:{_PARTICLE_WORD}[ \t]*)?{_CAPITALS})(?![\w'’])"
)
_BORN_NAME_RE = re.compile(rf"(?<![\w'’])({_NAME})[ \t]*[,(]?[ \t]*(?:{_BORN})[ \t]+le\b")
# "Lina Rigaud, 16 ans", "M. Albert Geffroy, 91 ans": a name followed by an age.
_AGED_NAME_RE = re.compile(
    rf"(?<![\w'’])({_NAME})[ \t]*,?[ \t]*"
    r"(?:(?:âgée?[ \t]+de[ \t]+)?\d{1,3}[ \t]*ans\b|(?i:[ée]l[èe]ve|scolaris[ée]e?)\b)"
)
# An office holder signing for an association or a commune ("Le président, Yann Briend", "Présidente :
# Catherine Denis", "dirigée par Gaëlle Mahé"): whom a subsidy request concerns, tried only when no other name
# finds anyone (a school head signing about a pupil is not the person the letter is about).
_OFFICES = r"pr[ée]sidente?|tr[ée]sori(?:er|[èe]re)|secr[ée]taire|maire|g[ée]rante?|co-?pr[ée]sidente?"
_OFFICE_NAME_RE = re.compile(
    rf"(?im:^[ \t]*(?:(?:le|la|l['’])[ \t]+)?(?:{_OFFICES})[ \t]*[,:][ \t]*|dirig[ée]e?s?[ \t]+par[ \t]+)"
    rf"(?:(?i:madame|monsieur|mme|m\.)[ \t]+)?({_NAME})"
)
# "Karim et Soraya Toutain": two people sharing the family name.
_COUPLE_RE = re.compile(
    rf"^({_NAME_WORD})[ \t]+et[ \t]+({_NAME_WORD})[ \t]+((?:{_PARTICLE_WORD}[ \t]*)?{_NAME_WORD})$"
)
_CUED_RE = re.compile(
    rf"(?<![\w'’])(?:{_CUES})[ \t]*[,:]?[ \t]*(?:\n[ \t]*)?"
    r"(?:(?i:madame|monsieur|mademoiselle|mme|mlle|mr\.?|m\.)[ \t]+)?"
    rf"(?P<name>{_NAME})"
)
# A cued first name whose family name wrapped to the next line, before a comma or a verb.
_WRAPPED_FAMILY_RE = re.compile(
    rf"[ \t]*\n[ \t]*({_NAME_WORD})(?=[ \t]*[,.;]|[ \t]+(?:qui|est|a|au|ne|n['’]|va|doit)\b)"
)
# A name written all in small letters after the writer introducing themself ("je m'appelle enola le roux",
# "bonjour c jessica riou"): up to three words on the line, those that are no name dropped at the end.
_LOWER_WORD = r"[a-zà-öø-ÿ][a-zà-öø-ÿ'’-]+"
_SELF_LOWER_RE = re.compile(
    r"(?<![\w'’])(?:je\s+m['’]?\s*a?p+e+l+e+s?|moi\s+c['’]?\s*est|(?i:bonjour|bjr|salut)\s+c['’]?(?:\s*est)?)"
    rf"[ \t]+({_LOWER_WORD}(?:[ \t]+{_LOWER_WORD}){{1,2}})"
)
_NOT_LOWER_NAME = set(
    "AI AVEC CAR DONC ELLE ET HABITE IL J JAI JE JHABITE LA"
    " LE MA MAIS MES MON NOUS ON PAR POUR QUE QUI SUIS SUR VOUS".split()
)
# The words of a signature line from which it gives an address ("Cédric Hamel rue d'Antrain Rennes").
_SIGNATURE_ADDRESS_RE = re.compile(
    r"[ \t,]+(?:\d+[ \t,]*(?:bis|ter)?[ \t,]*)?(?i:rue|avenue|av\.|bd|boulevard|place|all[ée]e|impasse|chemin|route|"
    r"lieu-dit|r[ée]sidence|la\s+ville)\b.*$"
)
# "Marie-Thérèse Lebreton (née Colin)", "Mme LEBRETON Odile née COLIN": the birth name after a married name.
_MAIDEN_RE = re.compile(rf"(?<![\w'’])({_NAME})[ \t]*[,(]?[ \t]*n[ée]e[ \t]+((?:{_PARTICLE_WORD}[ \t]*)?{_NAME_WORD})")
# A child named by first name only after a kinship word ("mon fils Kevin", "le papa d Enzo", "maman de Léa").
_KIN_FIRST_RE = re.compile(
    r"(?i:(?:mon|ma|notre)\s+(?:fils|fille|petit[- ]fils|petite[- ]fille|gar[çc]on|enfant|b[ée]b[ée]|neveu|ni[èe]ce|"
    r"gamin|gamine|petit|petite)|(?:papa|maman|p[èe]re|m[èe]re|parents?|grand-m[èe]re|grand-p[èe]re)\s+(?:de|d['’]?))"
    rf"[ \t]*,?[ \t]*({_NAME_WORD})(?![ \t]*{_NAME_WORD})"
)
_FAMILY_RE = re.compile(rf"(?i:la\s+famille|les\s+enfants|chez\s+les)\s+({_NAME_WORD})(?![ \t]+{_NAME_WORD})")
_NAME_LINE_RE = re.compile(rf"{_NAME}")
_TRAILING_PHONE_RE = re.compile(r"[\s,–-]*(?:t[ée]l\.?\s*:?\s*)?(?:\+33\s?|0)\d(?:[\s.]?\d{2}){4}\s*$", re.I)
_STAFF_WORDS = (
    r"assistant(?:e)?\s+sociale?|travailleu(?:r|se)\s+social(?:e)?|r[ée]f[ée]rent(?:e)?|[ée]ducat(?:eur|rice)|"
    r"puéricultrice|pu[ée]ricultrice|sage-femme|infirmi[èe]re?|m[ée]decin|docteur|dr\.?|ma[îi]tre|me|"
    r"conseill[èe]re?|secr[ée]taire|directeur|directrice|pr[ée]sident(?:e)?|maire|adjoint(?:e)?|"
    r"m[ée]diat(?:eur|rice)|d[ée]l[ée]gu[ée]e?|coordinat(?:eur|rice)|ergoth[ée]rapeute|notaire|avocat(?:e)?|"
    r"mandataire|curat(?:eur|rice)|tut(?:eur|rice)|chef\s+de\s+service|responsable"
)
# On the same line, right before the name: ``\Z``, not ``$`` (which also matches before a final newline, so
# "Madame la médiatrice" heading a letter made the writer's own "je m'appelle …" on the next line staff).
_STAFF_BEFORE_RE = re.compile(rf"\b(?:{_STAFF_WORDS})\b[^.\n]{{0,12}}\Z", re.I)
# The line above a signature naming an office ("Le Directeur", "Service de l'enfance"): staff, not a citizen.
_STAFF_LINE_RE = re.compile(r"^\s*(?:pour\s+)?(?:le|la|l['’])\s+(?:directeur|directrice|pr[ée]sident|maire)", re.I)


@dataclass
class Extracted:
    """What was read from the letter (never logged)."""

    nirs: list[str] = field(default_factory=list)
    tracking_codes: list[str] = field(default_factory=list)
    file_numbers: list[int] = field(default_factory=list)
    birth_dates: list[datetime.date] = field(default_factory=list)
    other_dates: list[datetime.date] = field(default_factory=list)
    names: list[tuple[str, str]] = field(default_factory=list)  # (family name, first names)
    # The same names the other way round ("Collet Mickaël" signed family name first), tried only
    # when no citizen answers to ``names``: two capitalised words give no hint of their order.
    swapped_names: list[tuple[str, str]] = field(default_factory=list)
    # Office holders signing (an association's president, a mayor): tried when nothing else answers.
    office_names: list[tuple[str, str]] = field(default_factory=list)
    postcode: str = ""
    city: str = ""
    address: str = ""
    sender: str = ""
    # Word pairs that may be a name nothing introduces ("la femme de Hervé Gautier", "FOUCHER Dylan, La
    # Guerche"), as (family, first): near ones first (``spot_pairs``). Looked up in the reference only when
    # no name read above answers (``citizens``).
    spotted: Spotted = field(default_factory=Spotted)
    # Ages written in the letter and the whole text folded (upper-case ASCII words): what tells homonyms
    # apart when the name alone ties them (``citizens``).
    ages: list[int] = field(default_factory=list)
    folded: str = ""


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
    words = [w.strip("-'’") for w in words if w.strip("-'’")]
    # Leading role words ("Madame", "le") are dropped; a particle inside a name ("Gisèle LE FLOCH") is kept.
    while words and fold(words[0]) in _NOT_NAMES and not (fold(words[0]) in _PARTICLES and words[0][0].isupper()):
        words = words[1:]
    if len(words) >= 3 and fold(words[0]) in _PARTICLES:
        # "Le Floch Gisèle": a family name with its particle first, then the first names.
        return " ".join(words[:2]), " ".join(words[2:])
    words = [w for w in words if fold(w) in _PARTICLES or fold(w) not in _NOT_NAMES]
    if not words or any(fold(w) in _NOT_PERSON for w in words):
        return None
    upper = [w for w in words if len(w) > 1 and w.isupper()]
    if upper and fold(words[-1]) in _PARTICLES:
        return None
    other = [w for w in words if w not in upper]
    if upper and other:
        # A particle written in lower/title case before the capitals belongs to the family name.
        while other and fold(other[-1]) in _PARTICLES:
            upper.insert(0, other.pop())
        return (" ".join(upper), " ".join(other)) if other else (" ".join(upper), "")
    if len(words) == 1:
        return words[0], ""
    # No case hint (all capitals or all capitalised): French letters mostly write "Prénom NOM";
    # a particle after the first name starts the family name ("Jean Le Bris").
    return " ".join(words[1:]), words[0]


def _in_staff_context(text: str, start: int) -> bool:
    """A name right after a professional's role ("l'assistante sociale Mme …", "Dr …") is not the citizen."""
    return bool(_STAFF_BEFORE_RE.search(text[max(0, start - 45) : start]))


def _cued_names(text: str) -> list[tuple[str, str]]:
    """Names introduced by a phrase: "je m'appelle", "je soussignée", "mon fils", "concerne :", a civility."""
    names = []
    position = 0
    while m := _CUED_RE.search(text, position):
        split = None if _in_staff_context(text, m.start()) else _split_name(m.group("name").split())
        if split:
            names.append(split)
            position = m.end()
            # "Ma petite-fille Alicia\nHervieux, qui a…": the family name wrapped to the next line.
            wrapped = _WRAPPED_FAMILY_RE.match(text, m.end())
            if split[1] == "" and wrapped and fold(wrapped.group(1)) not in _NOT_PERSON | _NOT_NAMES:
                names.append((wrapped.group(1), split[0]))
        else:
            # What followed the cue was no name, but may start the next cue ("Madame monsieur\nJe m'appelle
            # Albert …": a plain ``finditer`` had consumed "Je" as the name after "monsieur").
            position = m.start("name")
    return names


def _lower_names(text: str) -> list[tuple[str, str]]:
    """ "je m'appelle enola le roux": the writer's own name in small letters, first name first."""
    names = []
    for m in _SELF_LOWER_RE.finditer(text):
        words = m.group(1).split()
        while words and (fold(words[-1]) in _NOT_LOWER_NAME or fold(words[-1]) in _PARTICLES):
            words.pop()
        if len(words) >= 2 and not any(fold(w) in _NOT_PERSON for w in words):
            names.append((" ".join(w.capitalize() for w in words[1:]), words[0].capitalize()))
    return names


def _family_names(text: str) -> list[tuple[str, str]]:
    """ "la famille Duval": a family name alone."""
    return [(m.group(1), "") for m in _FAMILY_RE.finditer(text) if fold(m.group(1)) not in _NOT_PERSON]


def _line_names(text: str) -> list[tuple[str, str]]:
    """Lines that are only a name (signature, sender block), maybe followed by a phone number; last first."""
    names = []
    lines = [line.strip() for line in text.splitlines()]
    for index in range(len(lines) - 1, -1, -1):
        line = _TRAILING_PHONE_RE.sub("", lines[index]).strip(" ,.")
        # "Cindy Launay (Bruz)", "Cédric Hamel rue d'Antrain Rennes": the name before the place.
        line = re.sub(r"[ \t]*\([^()]*\)$", "", line)
        if index >= len(lines) - 15:
            line = _SIGNATURE_ADDRESS_RE.sub("", line)
            # "Corinne Hubert, trésorière", "Laurent Potier, Dinard": the signature before a comma.
            line = line.split(",")[0].strip()
        couple = _COUPLE_RE.fullmatch(line)
        if couple:
            names += [(couple.group(3), couple.group(1)), (couple.group(3), couple.group(2))]
            continue
        words = line.split()
        if not 2 <= len(words) <= 4 or not _NAME_LINE_RE.fullmatch(line):
            continue
        if any(fold(w) in _NOT_NAMES and fold(w) not in _PARTICLES for w in words):
            continue
        if fold(words[0]) in _PARTICLES or fold(words[-1]) in _PARTICLES:
            continue
        if index and _STAFF_LINE_RE.search(lines[index - 1]):
            continue
        split = _split_name(words)
        if split:
            names.append(split)
    return names


def _names(text: str) -> list[tuple[str, str]]:
    """(family name, first names) read from the letter, the most telling forms first."""
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
    names += _cued_names(text)
    cued = len(names)
    names += _lower_names(text)
    names += _line_names(text)
    for name_re in (_BORN_NAME_RE, _AGED_NAME_RE, _MIXED_NAME_RE):
        names += [split for m in name_re.finditer(text) if (split := _split_name(m.group(1).split()))]
    names += _family_names(text)
    # Right after the introduced names: the birth name a married name comes with, and a child named by first
    # name only with the family names the letter gives (signatures, "M. Tessier").
    names[cued:cued] = _maiden_names(text) + _kin_names(text, names)
    seen, unique = set(), []
    for family, first in names:
        key = (fold(family), fold(first))
        if key[0] and len(key[0]) > 1 and key not in seen:
            seen.add(key)
            unique.append((family, first))
    return unique


def _maiden_names(text: str) -> list[tuple[str, str]]:
    """ "Mme Marie-Thérèse Lebreton (née Colin)": the birth name (the civil register's) with the first names."""
    found = []
    for m in _MAIDEN_RE.finditer(text):
        split = _split_name(m.group(1).split())
        if split and split[1]:
            found.append((m.group(2), split[1]))
    return found


def _kin_names(text: str, names: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """ "mon fils Kevin" … "Sandra Jégou": a child named by first name only, with each family name the letter gives."""
    firsts = list(
        dict.fromkeys(m.group(1) for m in _KIN_FIRST_RE.finditer(text) if fold(m.group(1)) not in _NOT_PERSON)
    )
    families = list(dict.fromkeys(family for family, _ in names if fold(family) not in {fold(f) for f in firsts}))
    return [(family, first) for first in firsts[:2] for family in families[:3]]


def _office_names(text: str, names: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Names after an office ("Le président, …"), those not already read as another name."""
    seen = {(fold(family), fold(first)) for family, first in names}
    found = []
    for m in _OFFICE_NAME_RE.finditer(text):
        split = _split_name(m.group(1).split())
        if split and (fold(split[0]), fold(split[1])) not in seen:
            seen.add((fold(split[0]), fold(split[1])))
            found.append(split)
    return found


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
    found.ages = list(dict.fromkeys(int(m.group(1)) for m in _AGE_RE.finditer(text) if 0 < int(m.group(1)) < 115))
    found.folded = f" {fold(text)} "
    found.names = _names(text)
    found.spotted = spot_pairs(text[:SPOT_LIMIT])
    found.office_names = _office_names(text, found.names)
    found.swapped_names = [
        (first, family) for family, first in found.names if first and " " not in family and " " not in first
    ]
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
