"""The suggestions for one letter: every piece of evidence on type and team combined, and the due date.

Rules and past decisions are combined as independent evidence (noisy-OR), so a rule and the history
agreeing is stronger than either. A quoted request decides the team; the best type's default team,
the team the citizen's previous letter went to and the place votes add weaker evidence.
"""

from __future__ import annotations

from collections import defaultdict

from django.utils import timezone

from grc.models import Team
from mail.models import MailItem, MailType
from mail.working_days import due_date_for

from .citizens import suggest_citizens
from .extraction import TEXT_LIMIT, extract, sender_postcode
from .history import fitted_history, learned_votes
from .rules import rule_hits

MAX_CHOICES = 3
# A letter of a citizen identified with this confidence votes for the team their last letter went to.
PREVIOUS_LETTER_MIN_CITIZEN = 0.9
PREVIOUS_LETTER_SCORE = 0.4
# A letter quoting a request goes to the team instructing it, whatever its words say.
REQUEST_TEAM_SCORE = 0.99

Evidence = dict[int, list[tuple[float, str]]]


def _combine(evidence: Evidence, labels: dict[int, str]) -> list[dict]:
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
    """Suggestions for a recognised mail item (see ``mail.suggest`` for the shape).

    ``rules`` / ``history`` let the benchmark reuse loaded rules and a fitted history;
    ``use_history=False`` and ``use_matching=False`` give the keyword-only baseline.
    """
    text = (item.ocr_text or "")[:TEXT_LIMIT]
    found = extract(text)
    sender = (getattr(item, "sender", "") or found.sender)[:255]

    if use_matching:
        citizens, request_info = suggest_citizens(found)
    else:
        citizens, request_info = [], None

    type_evidence, team_evidence, rule_teams = _rule_evidence(text, sender, rules)
    types = {t.pk: t for t in MailType.objects.filter(is_active=True)}
    store = None
    if use_history:
        store = history if history is not None else fitted_history()
        neighbours = store.neighbours(text, exclude_id=getattr(item, "pk", None))
        type_votes = learned_votes(neighbours, 1)
        team_votes = learned_votes(neighbours, 2)
    else:
        type_votes = team_votes = {}
    previous = _previous_letter(citizens, exclude_id=getattr(item, "pk", None))
    teams = _candidate_teams(team_evidence, team_votes, previous, request_info, types)

    for type_id, (score, count) in type_votes.items():
        if type_id in types:
            label = types[type_id].name
            type_evidence[type_id].append((score, _similar_reason(count, label)))
    for team_id, (score, count) in team_votes.items():
        if team_id in teams:
            team_evidence[team_id].append((score, _similar_reason(count, teams[team_id])))
    mail_types = _combine(type_evidence, {pk: t.name for pk, t in types.items()})
    if store is not None and mail_types:
        best = types[mail_types[0]["id"]]
        postcode = found.postcode or sender_postcode(text)
        _add_place_evidence(store, team_evidence, teams, best, postcode, rule_teams.get(best.pk, ()))
    _add_known_teams(team_evidence, teams, mail_types, types, previous, request_info)
    team_choices = _rank_teams(team_evidence, teams, request_info)

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


def _rule_evidence(text: str, sender: str, rules) -> tuple[Evidence, Evidence, dict[int, set[int]]]:
    """(type evidence, team evidence, the teams rules give for each type) from the routing rules."""
    type_evidence: Evidence = defaultdict(list)
    team_evidence: Evidence = defaultdict(list)
    rule_teams: dict[int, set[int]] = defaultdict(set)
    for hit in rule_hits(text, sender, rules):
        if hit.mail_type_id and hit.team_id:
            rule_teams[hit.mail_type_id].add(hit.team_id)
        if hit.mail_type_id:
            type_evidence[hit.mail_type_id].append((hit.score, _cap(hit.reason)))
        if hit.team_id:
            team_evidence[hit.team_id].append((hit.score, _cap(hit.reason)))
    return type_evidence, team_evidence, rule_teams


def _candidate_teams(team_evidence, team_votes, previous, request_info, types) -> dict[int, str]:
    """{team id: name} of the active teams any evidence (or a type's default team) points to."""
    team_ids = set(team_evidence) | set(team_votes)
    if previous is not None:
        team_ids.add(previous.team_id)
    if request_info and request_info.get("team_id"):
        team_ids.add(request_info["team_id"])
    for mail_type in types.values():
        if mail_type.default_team_id:
            team_ids.add(mail_type.default_team_id)
    return {t.pk: t.name for t in Team.objects.filter(pk__in=team_ids, is_active=True)}


def _add_place_evidence(store, team_evidence, teams, best, postcode, candidates) -> None:
    """Where letters of the best type from the sender's postcode went, and the site that receives them."""
    place_votes = store.place_votes(postcode, best.pk)
    site_votes = store.site_votes(postcode, best.pk, candidates=candidates)
    if not (place_votes or site_votes):
        return
    extra = (set(place_votes) | set(site_votes)) - set(teams)
    if extra:
        teams.update({t.pk: t.name for t in Team.objects.filter(pk__in=extra, is_active=True)})
    for team_id, (score, count, total) in place_votes.items():
        if team_id in teams:
            team_evidence[team_id].append(
                (
                    score,
                    f"{count} des {total} courriers « {best.name} » venus du {postcode} classés dans cette équipe",
                )
            )
    for team_id, (score, reason) in site_votes.items():
        if team_id in teams:
            team_evidence[team_id].append((score, reason))


def _add_known_teams(team_evidence, teams, mail_types, types, previous, request_info) -> None:
    """The best type's default team (weaker), the previous letter's team, the quoted request's team."""
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


def _rank_teams(team_evidence, teams, request_info) -> list[dict]:
    team_choices = _combine(team_evidence, teams)
    if request_info and request_info.get("team_id") in teams and team_choices:
        # A quoted request decides: its team comes first whatever the other evidence adds up to.
        chosen = next((t for t in team_choices if t["id"] == request_info["team_id"]), None)
        if chosen is not None and team_choices[0] is not chosen:
            chosen["score"] = max(chosen["score"], team_choices[0]["score"])
            team_choices.remove(chosen)
            team_choices.insert(0, chosen)
    return team_choices


def _previous_letter(citizens, *, exclude_id=None):
    """The last letter qualified for the (confidently) identified citizen, with a team."""
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
