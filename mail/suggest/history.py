"""Type and team from the agents' past decisions.

A TF-IDF nearest-neighbours vote over recently qualified letters ("3 courriers semblables classés
« RSA »"), and two place votes: where letters of a type from a postcode were sent, and which site
(CDAS) receives a postcode's letters. The fitted history is kept per process and refitted when a new
decision is recorded.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict

from django.db.models import Max

from grc.matching.names import fold
from grc.models import Team
from mail.models import MailItem

from .extraction import TEXT_LIMIT, sender_postcode

# Past letters of the same type from the same postcode needed before their teams count as evidence.
PLACE_MIN_LETTERS = 2
# Weight of "this postcode's letters go to that CDAS" for the type's team at that CDAS.
SITE_SCORE = 0.8
# Past decisions read for the learned suggestions (most recent first); enough to learn a Département's
# letter kinds, small enough to score a letter in a few milliseconds.
HISTORY_LIMIT = 3000
KNN_K = 7
# Below this cosine similarity a past letter is not "similar".
KNN_MIN_SIMILARITY = 0.12

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
_TOKEN_RE = re.compile(r"[A-Z]{3,}")


def tokens(text: str) -> list[str]:
    """Words of 3+ letters (folded, stop words out) and the sender's postcode (``CP35500``): letters
    from the same place and of the same kind went to the same territorial team."""
    text = text[:TEXT_LIMIT]
    words = [t for t in _TOKEN_RE.findall(fold(text)) if t not in _STOPWORDS]
    postcode = sender_postcode(text)
    return [*words, f"CP{postcode}"] if postcode else words


class History:
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
        self.places: dict[tuple[str, int], Counter] = defaultdict(Counter)
        # postcode → sites (CDAS) of the teams its letters went to, whatever their type;
        # type → teams its letters went to. Together: the team of this type at the writer's site.
        self.postcode_sites: dict[str, Counter] = defaultdict(Counter)
        self.type_teams: dict[int, Counter] = defaultdict(Counter)
        self.team_sites = dict(Team.objects.filter(site__isnull=False).values_list("pk", "site_id"))
        self.site_names = dict(Team.objects.filter(site__isnull=False).values_list("site_id", "site__name"))
        for _pk, text, mail_type, team in rows:
            postcode = sender_postcode(text[:TEXT_LIMIT])
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


_history = History()


def fitted_history() -> History:
    """This process's history of past decisions, refitted if a decision was recorded since."""
    return _history.load()


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
