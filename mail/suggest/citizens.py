"""Who a letter concerns: the citizens its text points to, best first, and the request it quotes.

Identifiers found in the text (request tracking code, NIR with a valid key, social file number) are
strong evidence; the names, birth dates and postcode read from it build ``grc.matching.candidates.IdentityQuery``
objects scored by the citizen reference's ``match``. Two identifiers agreeing, or an identifier
confirmed by the name, make a candidate nearly certain.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from django.utils import timezone

from demandes.models import Request
from dossier_unique.models import SocialFile
from grc.matching.candidates import IdentityQuery, match
from grc.matching.find import initial_name_pairs, known_name_pairs
from grc.matching.names import fold
from grc.models import Citizen, Commune
from grc.selectors.territory import distance_km

from .extraction import Extracted
from .territory import candidate_communes, written_commune

MAX_CITIZENS = 5
# Evidence weights for identifiers found in the text.
TRACKING_CODE_SCORE = 0.98
NIR_SCORE = 0.97
FILE_NUMBER_SCORE = 0.9
# Candidates within TIE_GAP of the first are tied by the name alone (homonyms, no birth date in the
# letter): one whose commune the letter names or whose age it states gains TIE_BONUS per such clue, so
# that it comes first and stands alone (``territory.NEAR_GAP``). A clue every tied candidate shares
# tells nothing and counts for none.
TIE_GAP = 0.05
# Namesakes told apart by where they live: one within NEAR_KM of a commune the letter names, the others at
# least FAR_KM from every one (``_nearest_to_letter``); commune names shorter than MIN_PLACE_NAME are not
# looked for in the text (ordinary words).
NEAR_KM = 15
FAR_KM = 30
MIN_PLACE_NAME = 4
# Spotted pairs some citizen bears, at most this many looked up (a letter naming a whole family).
SPOTTED_NAMES = 6
TIE_BONUS = 0.06


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


def _identity_queries(found: Extracted, names: list[tuple[str, str]]) -> list[IdentityQuery]:
    queries = []
    dates = found.birth_dates or [d for d in found.other_dates if d.year < timezone.localdate().year - 1][:2]
    # Letters now yield a name in each form it is written (running text, signature, both word orders):
    # the first six, most telling first, each with at most two birth dates.
    for family, first in names[:6]:
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
    return queries[:12]


def _match_names(found: Extracted, names, scores, reasons) -> bool:
    """Scores the candidates of ``names`` into ``scores``; whether any answered."""
    matched = False
    for query in _identity_queries(found, names):
        for candidate in match(query, limit=MAX_CITIZENS):
            why = [r for r in candidate.reasons if r != "Même NIR"]
            _add(scores, reasons, candidate.citizen_id, candidate.score, why)
            matched = True
    return matched


def _add(scores, reasons, citizen_id, score, why):
    if score > scores.get(citizen_id, 0.0):
        scores[citizen_id] = score
    for reason in why:
        if reason not in reasons[citizen_id]:
            reasons[citizen_id].append(reason)


def _tie_clues(found: Extracted, ranked, citizens, communes) -> dict[int, list[str]]:
    """For candidates tied with the first: the letter's clues each one fits (its commune named, its age)."""
    if len(ranked) < 2:
        return {}
    top = ranked[0][1]
    tied = [pk for pk, score in ranked if score >= top - TIE_GAP and pk in citizens]
    if len(tied) < 2:
        return {}
    written = written_commune(postcode=found.postcode, city=found.city, memo=communes)
    today = timezone.localdate()
    clues: dict[int, list[str]] = {pk: [] for pk in tied}
    for pk in tied:
        commune = communes.get(pk)
        if commune is not None and (
            (written is not None and written.code == commune.code) or f" {fold(commune.name)} " in found.folded
        ):
            clues[pk].append(f"Sa commune ({commune.name}) figure dans le courrier")
        born = citizens[pk].birth_date
        if born is not None:
            age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
            if any(abs(age - stated) <= 1 for stated in found.ages):
                clues[pk].append(f"Son âge ({age} ans) est celui que cite le courrier")
    nearest = _nearest_to_letter(found, tied, communes, written)
    if nearest is not None:
        pk, place, km = nearest
        clues[pk].append(f"Habite à {km:.0f} km de {place}, cité dans le courrier")
    for reason_kind in ("Sa commune", "Son âge"):
        holders = [pk for pk in tied if any(r.startswith(reason_kind) for r in clues[pk])]
        if len(holders) == len(tied):
            for pk in tied:
                clues[pk] = [r for r in clues[pk] if not r.startswith(reason_kind)]
    return {pk: found_clues for pk, found_clues in clues.items() if found_clues}


def _letter_places(found: Extracted, written) -> list:
    """The communes a letter names: its written postcode's, and those whose name is in the text."""
    places = {written.code: written} if written is not None else {}
    for commune in Commune.objects.only("code", "name", "latitude", "longitude"):
        name = fold(commune.name)
        if len(name) >= MIN_PLACE_NAME and f" {name} " in found.folded:
            places.setdefault(commune.code, commune)
    return list(places.values())


def _nearest_to_letter(found: Extracted, tied: list[int], communes: dict, written):
    """(citizen, place name, km) when one tied candidate lives near a place the letter names and the others far.

    A club's or a school's letter comes from the person's area: among namesakes the name alone ties, the one
    living within ``NEAR_KM`` of a commune the letter names, every other one at least ``FAR_KM`` away.
    """
    codes = {communes[pk].code for pk in tied if pk in communes}
    if len(codes) < 2:
        return None
    places = _letter_places(found, written)
    if not places:
        return None
    where = Commune.objects.in_bulk(list(codes))
    nearest = []
    for pk in tied:
        home = where.get(communes[pk].code) if pk in communes else None
        distances = [(d, place.name) for place in places if home and (d := distance_km(home, place)) is not None]
        nearest.append((min(distances) if distances else (None, ""), pk))
    known = sorted((d, name, pk) for (d, name), pk in nearest if d is not None)
    if len(known) < len(tied) or known[0][0] > NEAR_KM or any(d < FAR_KM for d, _, _ in known[1:]):
        return None
    return known[0][2], known[0][1], known[0][0]


def suggest_citizens(found: Extracted, communes: dict | None = None) -> tuple[list[dict], dict | None]:
    """Citizen candidates (best first) and the request whose tracking code the letter quotes.

    ``communes``, when given, is filled with the candidates' communes (``territory.candidate_communes``)
    and the letter's written one, for the team's sector without a second query."""
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
    # The names the other way round only when none answered as written (fewer false friends), then an
    # office holder signing ("Le président, …") only when no other name answered at all; last, the word pairs
    # of the text that some citizen bears (``spot_pairs``), in ``Spotted``'s order, each looked up only when
    # every pass before found no one.
    spotted = found.spotted
    passes = [
        lambda: found.names,
        lambda: found.swapped_names,
        lambda: found.office_names,
        lambda: known_name_pairs(spotted.near)[:SPOTTED_NAMES],
        lambda: initial_name_pairs(spotted.initials)[:SPOTTED_NAMES],
        lambda: known_name_pairs(spotted.far)[:SPOTTED_NAMES],
        lambda: known_name_pairs(spotted.lower)[:SPOTTED_NAMES],
    ]
    for names in passes:
        if _match_names(found, names(), scores, reasons):
            break
    # Two independent identifiers agreeing, or an identifier confirmed by the name: nearly certain.
    for pk, count in strong.items():
        if count >= 2 or any(r.startswith(("Même nom", "Nom de naissance proche", "Trouvé")) for r in reasons[pk]):
            scores[pk] = min(1.0, max(scores[pk], 0.99))
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_CITIZENS]
    citizens = Citizen.objects.in_bulk([pk for pk, _ in ranked])
    communes = {} if communes is None else communes
    communes.update(candidate_communes([pk for pk, _ in ranked]) if ranked else {})
    clues = _tie_clues(found, ranked, citizens, communes)
    if clues:
        for pk, found_clues in clues.items():
            scores[pk] = min(0.99, scores[pk] + TIE_BONUS * len(found_clues))
            reasons[pk] += found_clues
        ranked = sorted(((pk, scores[pk]) for pk, _ in ranked), key=lambda kv: (-kv[1], kv[0]))
    result = []
    for pk, score in ranked:
        citizen = citizens.get(pk)
        if citizen is None or citizen.status != "active":
            continue
        result.append({"id": pk, "label": citizen_label(citizen), "score": round(score, 3), "reasons": reasons[pk]})
    return result, request_info
