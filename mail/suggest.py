"""Suggestions for a recognised letter: who it concerns, its type, the team it goes to, its due date.

``suggest(item)`` reads ``item.ocr_text`` and returns (stored in ``MailItem.suggestions``)::

    {"citizen": [{"id", "label", "score", "reasons"}], "mail_type": [...], "team": [...],
     "due_date": "YYYY-MM-DD" | None, "request": {"id", "tracking_code", "reasons"} | None, "sender": str}

Scores are in [0, 1], best first; reasons are short French sentences the mailroom agent reads.

- **Citizen**: identifiers found in the text (request tracking code, NIR with a valid key, social file
  number) are strong evidence; names (after a civility, "Nom :" / "Prénom :" labels, "je soussigné",
  a "Prénom NOM" line), birth dates ("né le 12/03/1985", "12 mars 1985") and the sender's postcode
  build ``grc.matching.IdentityQuery`` objects scored by the citizen reference's ``match``.
- **Type and team**: the functional admins' ``RoutingRule`` rows (keywords, regular expression,
  sender), and the agents' past decisions: a TF-IDF nearest-neighbours vote over recently qualified
  letters ("3 courriers semblables classés « RSA »"). Both are combined as independent evidence
  (noisy-OR), so a rule and the history agreeing is stronger than either.
- **Due date**: the type's ``service_level_days`` counted in **working days** (Monday to Friday,
  French public holidays excluded) from the day the letter was received.

Nothing here writes to the database or logs personal data.
"""

from __future__ import annotations

import datetime
import logging
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import regex
from django.db.models import Max
from django.utils import timezone

from grc import nir as nir_lib
from grc.matching import IdentityQuery, fold, match

logger = logging.getLogger(__name__)

MAX_CITIZENS = 5
# Letters are read from their first characters only: a 50-page scan stays a few milliseconds.
TEXT_LIMIT = 40_000
# A letter of a citizen identified with this confidence votes for the team their last letter went to.
PREVIOUS_LETTER_MIN_CITIZEN = 0.9
PREVIOUS_LETTER_SCORE = 0.4
# Past letters of the same type from the same postcode needed before their teams count as evidence.
PLACE_MIN_LETTERS = 2
# Weight of "this postcode's letters go to that CDAS" for the type's team at that CDAS.
SITE_SCORE = 0.8
MAX_CHOICES = 3
# Past decisions read for the learned suggestions (most recent first); enough to learn a Département's
# letter kinds, small enough to score a letter in a few milliseconds.
HISTORY_LIMIT = 3000
KNN_K = 7
# Below this cosine similarity a past letter is not "similar".
KNN_MIN_SIMILARITY = 0.12
# Evidence weights for identifiers found in the text.
TRACKING_CODE_SCORE = 0.98
NIR_SCORE = 0.97
FILE_NUMBER_SCORE = 0.9
# A letter quoting a request goes to the team instructing it, whatever its words say.
REQUEST_TEAM_SCORE = 0.99

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

# --- Extraction -------------------------------------------------------------------------------------

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


# --- Citizen ----------------------------------------------------------------------------------------


def citizen_label(citizen) -> str:
    """How a suggested citizen is shown: name (birth name when different) and birth date."""
    name = citizen.usage_name or citizen.birth_name
    label = f"{name.upper()} {citizen.first_names}".strip()
    if citizen.usage_name and citizen.birth_name and citizen.usage_name != citizen.birth_name:
        label += (
            f" (née {citizen.birth_name.upper()})" if citizen.sex == "F" else f" (né {citizen.birth_name.upper()})"
        )
    if citizen.birth_date:
        label += f" — {citizen.birth_date:%d/%m/%Y}"
    return label


def _identity_queries(found: Extracted) -> list[IdentityQuery]:
    queries = []
    dates = found.birth_dates or [d for d in found.other_dates if d.year < timezone.localdate().year - 1][:2]
    for family, first in found.names[:4]:
        for day in dates[:2] or [None]:
            queries.append(
                IdentityQuery(
                    birth_name=family,
                    first_names=first,
                    birth_date=day,
                    nir=found.nirs[0] if found.nirs else "",
                    postcode=found.postcode,
                    city=found.city,
                    address=found.address,
                )
            )
    if not queries and found.nirs:
        queries.append(IdentityQuery(nir=found.nirs[0]))
    return queries[:8]


def _add(scores, reasons, citizen_id, score, why):
    if score > scores.get(citizen_id, 0.0):
        scores[citizen_id] = score
    for reason in why:
        if reason not in reasons[citizen_id]:
            reasons[citizen_id].append(reason)


def suggest_citizens(found: Extracted) -> tuple[list[dict], dict | None]:
    """Citizen candidates (best first) and the request whose tracking code the letter quotes."""
    from dossier_unique.models import SocialFile
    from grc.models import Citizen
    from demandes.models import Request

    scores: dict[int, float] = {}
    reasons: dict[int, list[str]] = defaultdict(list)
    strong: Counter = Counter()
    request_info = None
    for code in found.tracking_codes:
        request = (
            Request.objects.filter(tracking_code=code).only("id", "tracking_code", "citizen_id", "team_id").first()
        )
        if request is None:
            continue
        if request_info is None:
            request_info = {
                "id": request.pk,
                "tracking_code": request.tracking_code,
                "team_id": request.team_id,
                "reasons": [f"Numéro de suivi {code} cité dans le courrier"],
            }
        if request.citizen_id:
            _add(scores, reasons, request.citizen_id, TRACKING_CODE_SCORE, [f"Numéro de suivi de sa demande ({code})"])
            strong[request.citizen_id] += 1
    for number in found.file_numbers:
        file = SocialFile.objects.filter(pk=number).only("citizen_id").first()
        if file:
            _add(scores, reasons, file.citizen_id, FILE_NUMBER_SCORE, [f"Numéro de dossier social {number} cité"])
            strong[file.citizen_id] += 1
    if found.nirs:
        for pk in Citizen.objects.filter(nir__in=found.nirs, status="active").values_list("pk", flat=True):
            _add(scores, reasons, pk, NIR_SCORE, ["NIR cité dans le courrier (clé valide)"])
            strong[pk] += 1
    for query in _identity_queries(found):
        for candidate in match(query, limit=MAX_CITIZENS):
            why = [r for r in candidate.reasons if r != "Même NIR"]
            _add(scores, reasons, candidate.citizen_id, candidate.score, why)
    # Two independent identifiers agreeing, or an identifier confirmed by the name: nearly certain.
    for pk, count in strong.items():
        if count >= 2 or any(r.startswith(("Même nom", "Nom de naissance proche", "Trouvé")) for r in reasons[pk]):
            scores[pk] = min(1.0, max(scores[pk], 0.99))
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_CITIZENS]
    citizens = Citizen.objects.in_bulk([pk for pk, _ in ranked])
    result = []
    for pk, score in ranked:
        citizen = citizens.get(pk)
        if citizen is None or citizen.status != "active":
            continue
        result.append({"id": pk, "label": citizen_label(citizen), "score": round(score, 3), "reasons": reasons[pk]})
    return result, request_info


# --- Type and team: rules ---------------------------------------------------------------------------


def _folded_words(text: str) -> str:
    return f" {fold(text)} "


@dataclass
class RuleHit:
    rule_id: int
    name: str
    mail_type_id: int | None
    team_id: int | None
    score: float
    reason: str


def rule_hits(text: str, sender: str, rules=None) -> list[RuleHit]:
    """Active routing rules matching the letter, by priority.

    A rule matches when every criterion it sets holds: one of its keywords (whole words, accents and
    case ignored), its regular expression (case ignored), the sender containing its text. A rule with
    no criterion matches nothing.
    """
    from mail.models import RoutingRule

    if rules is None:
        rules = list(RoutingRule.objects.filter(is_active=True).order_by("priority", "name"))
    folded = _folded_words(text)
    folded_sender = fold(sender)
    hits = []
    for rule in rules:
        keywords = [k.strip() for k in (rule.keywords or "").splitlines() if k.strip()]
        if not (keywords or rule.pattern or rule.sender):
            continue
        parts = []
        matched = 0
        if keywords:
            found = [k for k in keywords if fold(k) and f" {fold(k)} " in folded]
            if not found:
                continue
            matched = len(found)
            shown = ", ".join(f"« {k} »" for k in found[:3])
            parts.append(f"mots-clés {shown}" if len(found) > 1 else f"mot-clé {shown}")
        if rule.pattern:
            if not _pattern_found(rule, text):
                continue
            matched += 1
            parts.append("motif reconnu")
        if rule.sender:
            if fold(rule.sender) not in folded_sender and fold(rule.sender) not in fold(text[:300]):
                continue
            matched += 1
            parts.append(f"expéditeur « {rule.sender} »")
        # One criterion: 0.6; each more keyword or criterion adds confidence; lower priority slightly less.
        score = min(0.9, 0.6 + 0.08 * (matched - 1)) - min(0.1, rule.priority / 2000)
        hits.append(
            RuleHit(
                rule_id=rule.pk,
                name=rule.name,
                mail_type_id=rule.mail_type_id,
                team_id=rule.team_id,
                score=round(score, 3),
                reason=f"{' ; '.join(parts)} (règle « {rule.name} »)",
            )
        )
    return hits


# --- Type and team: past decisions ------------------------------------------------------------------

_STOPWORDS = set(
    fold(
        "les des une pour par dans sur avec que qui est son ses aux nous vous mon mes votre vos cette ces "
        "madame monsieur mme veuillez agreer expression salutations distinguees sentiments respectueuses "
        "bien vouloir je suis mais pas plus tres avoir etre ete fait faire ceci cela elle il ils elles leur "
        "leurs tout tous toute toutes comme entre depuis donc ainsi afin dont date objet departement "
        "conseil ille vilaine rennes cedex avenue rue prefecture hotel president madame departemental "
        "soussigne soussignee objet reference janvier fevrier mars avril mai juin juillet aout septembre "
        "octobre novembre decembre"
    ).split()
)
# An admin's pattern runs on text anyone can send (a letter's OCR): searched with the ``regex`` module
# and a time limit, so a pattern prone to catastrophic backtracking cannot hold a worker.
RULE_PATTERN_TIMEOUT_S = 0.2


def _pattern_found(rule, text: str) -> bool:
    try:
        return regex.search(rule.pattern, text, flags=regex.IGNORECASE, timeout=RULE_PATTERN_TIMEOUT_S) is not None
    except regex.error:
        logger.warning("routing rule %s: invalid pattern, skipped", rule.pk)
    except TimeoutError:
        logger.warning("routing rule %s: pattern timed out after %ss, skipped", rule.pk, RULE_PATTERN_TIMEOUT_S)
    return False


_TOKEN_RE = re.compile(r"[A-Z]{3,}")


def _sender_postcode(text: str) -> str:
    for line in text.splitlines():
        m = _POSTCODE_RE.search(line)
        if m and "CEDEX" not in fold(line):
            return m.group(1).replace(" ", "")
    return ""


def tokens(text: str) -> list[str]:
    """Words of 3+ letters (folded, stop words out) and the sender's postcode (``CP35500``): letters
    from the same place and of the same kind went to the same territorial team."""
    text = text[:TEXT_LIMIT]
    words = [t for t in _TOKEN_RE.findall(fold(text)) if t not in _STOPWORDS]
    postcode = _sender_postcode(text)
    return [*words, f"CP{postcode}"] if postcode else words


class _History:
    """TF-IDF vectors of recently qualified letters, rebuilt when a new decision is recorded."""

    def __init__(self):
        self.key = None
        self.places: dict[tuple[str, int], Counter] = {}
        self.postcode_sites: dict[str, Counter] = {}
        self.type_teams: dict[int, Counter] = {}
        self.team_sites: dict[int, int] = {}
        self.site_names: dict[int, str] = {}
        self.docs: list[tuple[dict[str, float], int | None, int | None]] = []
        self.idf: dict[str, float] = {}

    def load(self, exclude_id=None):
        from mail.models import MailItem

        decided = MailItem.objects.filter(qualified_at__isnull=False)
        # The cache key reads no OCR text (a scan of narrow columns); the refit reads the texts.
        key = tuple(decided.aggregate(last=Max("qualified_at"), top=Max("id")).values())
        if key != self.key:
            decided = decided.exclude(ocr_text="")
            rows = list(
                decided.order_by("-qualified_at").values_list("id", "ocr_text", "mail_type_id", "team_id")[
                    :HISTORY_LIMIT
                ]
            )
            self.fit([(pk, text, mail_type, team) for pk, text, mail_type, team in rows])
            self.key = key
        return self

    def fit(self, rows):
        # (postcode, type) → teams chosen: where letters of a kind from a place were sent.
        from grc.models import Team

        self.places: dict[tuple[str, int], Counter] = defaultdict(Counter)
        # postcode → sites (CDAS) of the teams its letters went to, whatever their type;
        # type → teams its letters went to. Together: the team of this type at the writer's site.
        self.postcode_sites: dict[str, Counter] = defaultdict(Counter)
        self.type_teams: dict[int, Counter] = defaultdict(Counter)
        self.team_sites = dict(Team.objects.filter(site__isnull=False).values_list("pk", "site_id"))
        self.site_names = dict(Team.objects.filter(site__isnull=False).values_list("site_id", "site__name"))
        for _pk, text, mail_type, team in rows:
            postcode = _sender_postcode(text[:TEXT_LIMIT])
            if postcode and mail_type and team:
                self.places[(postcode, mail_type)][team] += 1
            if postcode and team in self.team_sites:
                self.postcode_sites[postcode][self.team_sites[team]] += 1
            if mail_type and team:
                self.type_teams[mail_type][team] += 1
        counted = [(pk, Counter(tokens(text)), mail_type, team) for pk, text, mail_type, team in rows]
        df: Counter = Counter()
        for _, counts, _, _ in counted:
            df.update(counts.keys())
        n = len(counted)
        self.idf = {t: math.log((1 + n) / (1 + c)) + 1 for t, c in df.items()}
        self.docs = []
        self.ids = []
        for pk, counts, mail_type, team in counted:
            self.ids.append(pk)
            self.docs.append((self._vector(counts), mail_type, team))

    def _vector(self, counts: Counter) -> dict[str, float]:
        vec = {t: (1 + math.log(c)) * self.idf.get(t, 0.0) for t, c in counts.items() if t in self.idf}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {t: v / norm for t, v in vec.items()}

    def neighbours(self, text: str, *, exclude_id=None, k=KNN_K):
        if not self.docs:
            return []
        query = self._vector(Counter(tokens(text)))
        if not query:
            return []
        sims = []
        for pk, (vec, mail_type, team) in zip(self.ids, self.docs, strict=True):
            if pk == exclude_id:
                continue
            small, large = (query, vec) if len(query) < len(vec) else (vec, query)
            sim = sum(v * large.get(t, 0.0) for t, v in small.items())
            if sim >= KNN_MIN_SIMILARITY:
                sims.append((sim, mail_type, team))
        sims.sort(key=lambda s: -s[0])
        return sims[:k]

    def place_votes(self, postcode: str, mail_type_id: int) -> dict[int, tuple[float, int, int]]:
        """{team id: (score, letters to that team, letters of that type from that postcode)}."""
        teams = self.places.get((postcode, mail_type_id)) if postcode else None
        if not teams:
            return {}
        total = sum(teams.values())
        if total < PLACE_MIN_LETTERS:
            return {}
        # The share of past letters, trusted more as they add up (5 letters and more: fully).
        weight = min(1.0, total / 5)
        return {team: (round(0.9 * weight * n / total, 3), n, total) for team, n in teams.items()}

    def site_votes(self, postcode: str, mail_type_id: int, candidates=()) -> dict[int, tuple[float, str]]:
        """{team id: (score, reason)}: among the teams letters of this type go to (and ``candidates``, the
        teams rules give for it), the one at the site (CDAS) that receives this postcode's letters.

        Only for a territorial type: its teams are at two sites or more (a Département-wide type is
        left alone)."""
        sites = self.postcode_sites.get(postcode) if postcode else None
        if not sites:
            return {}
        total = sum(sites.values())
        if total < PLACE_MIN_LETTERS:
            return {}
        type_teams = {t for t in set(self.type_teams.get(mail_type_id, {})) | set(candidates) if t in self.team_sites}
        if len({self.team_sites[t] for t in type_teams}) < 2:
            return {}
        weight = min(1.0, total / 10)
        votes = {}
        for team in type_teams:
            site = self.team_sites[team]
            if site in sites:
                reason = (
                    f"{sites[site]} des {total} courriers venus du {postcode} sont allés à "
                    f"{self.site_names.get(site, 'ce site')}"
                )
                votes[team] = (round(SITE_SCORE * weight * sites[site] / total, 3), reason)
        return votes


_history = _History()


def learned_votes(neighbours, index: int) -> dict[int, tuple[float, int]]:
    """{type or team id: (score, number of similar letters)} from the nearest past letters."""
    total = sum(sim for sim, *_ in neighbours)
    votes: dict[int, list[float]] = defaultdict(list)
    for row in neighbours:
        if row[index]:
            votes[row[index]].append(row[0])
    if not total:
        return {}
    # The share of the similarity mass, damped when even the closest letters are not very close.
    closeness = min(1.0, max(sim for sim, *_ in neighbours) / 0.5)
    return {key: (round(0.9 * closeness * sum(s) / total, 3), len(s)) for key, s in votes.items()}


# --- Due date ---------------------------------------------------------------------------------------


def _easter(year: int) -> datetime.date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return datetime.date(year, month, day + 1)


def public_holidays(year: int) -> set[datetime.date]:
    """French public holidays (metropolitan France)."""
    easter = _easter(year)
    fixed = [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
    days = {datetime.date(year, m, d) for m, d in fixed}
    days |= {easter + datetime.timedelta(days=n) for n in (1, 39, 50)}  # Monday, Ascension, Whit Monday
    return days


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """``start`` plus ``days`` working days (Monday–Friday, French public holidays excluded)."""
    current = start
    holidays = public_holidays(start.year) | public_holidays(start.year + 1)
    remaining = days
    while remaining > 0:
        current += datetime.timedelta(days=1)
        if current.weekday() < 5 and current not in holidays:
            remaining -= 1
    return current


def due_date_for(mail_type, received: datetime.date) -> datetime.date:
    return add_working_days(received, mail_type.service_level_days)


# --- Combination ------------------------------------------------------------------------------------


def _combine(evidence: dict[int, list[tuple[float, str]]], labels: dict[int, str]) -> list[dict]:
    ranked = []
    for key, items in evidence.items():
        if key not in labels:
            continue
        miss = 1.0
        for score, _ in items:
            miss *= 1.0 - score
        reasons = list(dict.fromkeys(reason for _, reason in sorted(items, key=lambda i: -i[0])))
        ranked.append({"id": key, "label": labels[key], "score": round(1.0 - miss, 3), "reasons": reasons})
    ranked.sort(key=lambda r: (-r["score"], r["label"]))
    return ranked[:MAX_CHOICES]


def suggest(item, *, rules=None, history=None, use_history=True, use_matching=True) -> dict:
    """Suggestions for a recognised mail item (see the module docstring for the shape).

    ``rules`` / ``history`` let the benchmark reuse loaded rules and a fitted history;
    ``use_history=False`` and ``use_matching=False`` give the keyword-only baseline.
    """
    from mail.models import MailType
    from grc.models import Team

    text = (item.ocr_text or "")[:TEXT_LIMIT]
    found = extract(text)
    sender = (getattr(item, "sender", "") or found.sender)[:255]

    if use_matching:
        citizens, request_info = suggest_citizens(found)
    else:
        citizens, request_info = [], None

    type_evidence: dict[int, list[tuple[float, str]]] = defaultdict(list)
    team_evidence: dict[int, list[tuple[float, str]]] = defaultdict(list)
    rule_teams: dict[int, set[int]] = defaultdict(set)
    for hit in rule_hits(text, sender, rules):
        if hit.mail_type_id and hit.team_id:
            rule_teams[hit.mail_type_id].add(hit.team_id)
        if hit.mail_type_id:
            type_evidence[hit.mail_type_id].append((hit.score, _cap(hit.reason)))
        if hit.team_id:
            team_evidence[hit.team_id].append((hit.score, _cap(hit.reason)))

    types = {t.pk: t for t in MailType.objects.filter(is_active=True)}
    store = None
    if use_history:
        store = history if history is not None else _history.load()
        neighbours = store.neighbours(text, exclude_id=getattr(item, "pk", None))
        type_votes = learned_votes(neighbours, 1)
        team_votes = learned_votes(neighbours, 2)
    else:
        type_votes = team_votes = {}
    previous = _previous_letter(citizens, exclude_id=getattr(item, "pk", None))
    team_ids = set(team_evidence) | set(team_votes)
    if previous is not None:
        team_ids.add(previous.team_id)
    if request_info and request_info.get("team_id"):
        team_ids.add(request_info["team_id"])
    for mail_type in types.values():
        if mail_type.default_team_id:
            team_ids.add(mail_type.default_team_id)
    teams = {t.pk: t.name for t in Team.objects.filter(pk__in=team_ids, is_active=True)}

    for type_id, (score, count) in type_votes.items():
        if type_id in types:
            label = types[type_id].name
            type_evidence[type_id].append((score, _similar_reason(count, label)))
    for team_id, (score, count) in team_votes.items():
        if team_id in teams:
            team_evidence[team_id].append((score, _similar_reason(count, teams[team_id])))
    mail_types = _combine(type_evidence, {pk: t.name for pk, t in types.items()})
    postcode = found.postcode or _sender_postcode(text)
    place_votes = store.place_votes(postcode, mail_types[0]["id"]) if use_history and mail_types else {}
    site_votes = (
        store.site_votes(postcode, mail_types[0]["id"], candidates=rule_teams.get(mail_types[0]["id"], ()))
        if use_history and mail_types
        else {}
    )
    if place_votes or site_votes:
        extra = (set(place_votes) | set(site_votes)) - set(teams)
        if extra:
            teams.update({t.pk: t.name for t in Team.objects.filter(pk__in=extra, is_active=True)})
        best_type = types[mail_types[0]["id"]].name
        for team_id, (score, count, total) in place_votes.items():
            if team_id in teams:
                team_evidence[team_id].append(
                    (
                        score,
                        f"{count} des {total} courriers « {best_type} » venus du {postcode} classés dans cette équipe",
                    )
                )
        for team_id, (score, reason) in site_votes.items():
            if team_id in teams:
                team_evidence[team_id].append((score, reason))
    # The best type's default team is a (weaker) team suggestion of its own.
    if mail_types:
        best = types[mail_types[0]["id"]]
        if best.default_team_id in teams:
            team_evidence[best.default_team_id].append(
                (round(0.5 * mail_types[0]["score"], 3), f"Équipe par défaut du type « {best.name} »")
            )
    if previous is not None and previous.team_id in teams:
        team_evidence[previous.team_id].append(
            (
                PREVIOUS_LETTER_SCORE,
                f"Son courrier précédent ({previous.registration_number}) a été aiguillé vers cette équipe",
            )
        )
    if request_info and request_info.get("team_id") in teams:
        team_evidence[request_info["team_id"]].append(
            (REQUEST_TEAM_SCORE, f"Équipe qui instruit la demande {request_info['tracking_code']}")
        )
    team_choices = _combine(team_evidence, teams)
    if request_info and request_info.get("team_id") in teams and team_choices:
        # A quoted request decides: its team comes first whatever the other evidence adds up to.
        chosen = next((t for t in team_choices if t["id"] == request_info["team_id"]), None)
        if chosen is not None and team_choices[0] is not chosen:
            chosen["score"] = max(chosen["score"], team_choices[0]["score"])
            team_choices.remove(chosen)
            team_choices.insert(0, chosen)

    due = None
    if mail_types:
        received = timezone.localdate(item.received_at) if getattr(item, "received_at", None) else timezone.localdate()
        due = due_date_for(types[mail_types[0]["id"]], received).isoformat()
    if request_info:
        request_info = {k: v for k, v in request_info.items() if k != "team_id"}
    return {
        "citizen": citizens,
        "mail_type": mail_types,
        "team": team_choices,
        "due_date": due,
        "request": request_info,
        "sender": sender,
    }


def _previous_letter(citizens, *, exclude_id=None):
    """The last letter qualified for the (confidently) identified citizen, with a team."""
    from mail.models import MailItem

    if not citizens or citizens[0]["score"] < PREVIOUS_LETTER_MIN_CITIZEN:
        return None
    rows = MailItem.objects.filter(citizen_id=citizens[0]["id"], team__isnull=False, qualified_at__isnull=False)
    if exclude_id:
        rows = rows.exclude(pk=exclude_id)
    return rows.order_by("-qualified_at", "-pk").only("registration_number", "team_id").first()


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _similar_reason(count: int, label: str) -> str:
    if count == 1:
        return f"1 courrier semblable classé « {label} »"
    return f"{count} courriers semblables classés « {label} »"
