"""The suggestions for one letter: its type, the team it goes to, how sure each is, the due date.

**Type**: the learned classifier's calibrated probabilities (``mail.classifier``, "modèle v7 du
06/12/2026 : 84 %") and the functional admins' routing rules (explicit overrides, shown as their own
reasons) combined as independent evidence (noisy-OR).

**Team**: each likely type leads to its programme (``MailType.programme``) and, within it, to the team
of the letter's commune's CDAS sector (``territory``); types leading to the same team add up. A quoted
request's team decides; a rule naming a team adds evidence; the citizen's previous letter counts only
when it went to a team of the same programme.

**Abstention**: below the model's calibrated thresholds nothing is preselected (``preselect``); the
guesses stay as hints. Each choice says how sure it is in words: "sûr" from the model's
``sure_threshold``, "probable" from its ``threshold``, "incertain" below (rules only, without a model:
0.85 and 0.6). Teams have their own thresholds (``team_threshold``, ``team_sure_threshold``), chosen on
the summed probabilities of the types leading to one team, as the team's score is computed here.
A team only the type's default gives (no commune known for a programme served per CDAS:
``territory.programme_team``) is a hint whatever its score: never preselected, "incertain".
"""

from __future__ import annotations

from collections import defaultdict

from django.utils import timezone

from grc.models import Team
from mail.classifier.store import current_classifier
from mail.models import MailType
from mail.working_days import due_date_for

from .citizens import suggest_citizens
from .extraction import TEXT_LIMIT, extract, sender_postcode
from .history import PREVIOUS_LETTER_SCORE, previous_letter
from .rules import rule_hits
from .territory import ProgrammeTeams, letter_place

MAX_CHOICES = 3
# A letter quoting a request goes to the team instructing it, whatever its words say.
REQUEST_TEAM_SCORE = 0.99
# Without a trained model, only the rules speak: a rule's score (0.6 for one criterion) is "probable".
RULES_ONLY_THRESHOLD = 0.6
RULES_ONLY_SURE = 0.85
# The team threshold in use is the model's (chosen by cross-validation on the training corpus, aiming at
# two thirds of the 3 % wrong target), at most this. The training corpus is written to be hard, so its own
# threshold can make the mailroom abstain on letters that are right nearly always. Calibrated on development
# sets 4 to 7 (400 letters by eight writers, through the whole protocol's OCR, ``bench/mail_replay.py``) with
# the model trained on the 823-letter corpus (2026-12-07): at 0.70, 1.75 % of letters preselected wrong
# (7/400; set 7 alone 4 %) and 13.5 % abstention; at 0.60, 2.75 % and 8.25 % (set 7 alone 7 %); at the
# model's own 0.726, 1.75 % and 15 %. Never chosen on the held-out set 8. Checked again with the 1,063-letter
# corpus on sets 4 to 9 (clean text, ``bench/mail_accuracy.py --clean-text``): at 0.70, 12.3 % abstention and
# 1.3 % wrong; at 0.75, 17.5 % and 0.7 % but 23.7 % abstention on sets 7 to 9. Held-out set 10, measured once
# at 0.70: 10 % and 2 % (docs/benchmarks.md, seventh pass).
TEAM_THRESHOLD_MAX = 0.7
# A type or team under this score is not worth showing even as a hint.
HINT_MIN_SCORE = 0.05

Evidence = dict[int, list[tuple[float, str]]]


def confidence_word(score: float, threshold: float, sure: float) -> str:
    """ "sûr", "probable" or "incertain" (see the module docstring for the thresholds)."""
    if score >= sure:
        return "sûr"
    if score >= threshold:
        return "probable"
    return "incertain"


def _noisy_or(scores) -> float:
    miss = 1.0
    for score in scores:
        miss *= 1.0 - min(score, 0.999)
    return 1.0 - miss


def _ranked(evidence: Evidence, labels: dict[int, str], base: dict[int, float] | None = None) -> list[dict]:
    base = base or {}
    ranked = []
    for key in set(evidence) | set(base):
        if key not in labels:
            continue
        items = evidence.get(key, [])
        score = _noisy_or([base.get(key, 0.0), *(s for s, _ in items)])
        if score < HINT_MIN_SCORE:
            continue
        reasons = list(dict.fromkeys(reason for _, reason in sorted(items, key=lambda i: -i[0])))
        ranked.append({"id": key, "label": labels[key], "score": round(score, 3), "reasons": reasons})
    ranked.sort(key=lambda r: (-r["score"], r["label"]))
    return ranked[:MAX_CHOICES]


def _model_info(model) -> dict | None:
    if model is None:
        return None
    day = timezone.localtime(model.trained_at).date()
    label = f"modèle v{model.version} du {day:%d/%m/%Y}"
    return {"version": model.version, "trained_at": day.isoformat(), "label": label}


def suggest(item, *, rules=None, use_classifier=True, use_matching=True) -> dict:
    """Suggestions for a recognised mail item (see ``mail.suggest`` for the shape).

    ``rules`` lets the benchmark reuse loaded rules; ``use_classifier=False`` and ``use_matching=False``
    give the keyword-only baseline.
    """
    text = (item.ocr_text or "")[:TEXT_LIMIT]
    found = extract(text)
    sender = (getattr(item, "sender", "") or found.sender)[:255]
    communes: dict = {}
    citizens, request_info = suggest_citizens(found, communes) if use_matching else ([], None)

    types = {t.pk: t for t in MailType.objects.filter(is_active=True).select_related("default_team")}
    type_evidence, team_evidence = _rule_evidence(text, sender, rules)
    type_evidence_rules, team_evidence_rules = set(type_evidence), set(team_evidence)
    model = current_classifier() if use_classifier and text.strip() else None
    info = _model_info(model)
    threshold, sure = (model.threshold, model.sure_threshold) if model else (RULES_ONLY_THRESHOLD, RULES_ONLY_SURE)
    team_levels = (
        (min(model.team_threshold, TEAM_THRESHOLD_MAX), model.team_sure_threshold) if model else (threshold, sure)
    )
    if model is not None:
        by_code = {t.code: t for t in types.values()}
        for code, probability in model.classifier.predict([text])[0]:
            if code in by_code and probability >= HINT_MIN_SCORE:
                reason = f"{_cap(info['label'])} : {_percent(probability)}"
                type_evidence[by_code[code].pk].append((probability, reason))
    mail_types = _ranked(type_evidence, {pk: t.name for pk, t in types.items()})

    postcode = found.postcode or sender_postcode(text)
    teams = ProgrammeTeams(letter_place(citizens=citizens, postcode=postcode, city=found.city, communes=communes))
    team_choices = _team_choices(mail_types, types, teams, team_evidence, citizens, request_info, item)
    explicit_teams = set(team_evidence_rules) | ({request_info["team_id"]} if request_info else set())
    preselect = _preselect(
        mail_types, team_choices, (threshold, team_levels[0]), set(type_evidence_rules), explicit_teams, teams, types
    )
    for choices, (low, high) in ((mail_types, (threshold, sure)), (team_choices, team_levels)):
        for choice in choices:
            choice["confidence"] = confidence_word(choice["score"], low, high)
            if choice.pop("fallback", False) and not choice.get("explicit"):
                choice["confidence"] = "incertain"
            if choice["confidence"] == "incertain" and choice.get("explicit"):
                choice["confidence"] = "probable"
            choice.pop("explicit", None)

    due = None
    if preselect["mail_type"]:
        received = timezone.localdate(item.received_at) if getattr(item, "received_at", None) else timezone.localdate()
        due = due_date_for(types[mail_types[0]["id"]], received).isoformat()
    if request_info:
        request_info = {k: v for k, v in request_info.items() if k != "team_id"}
    return {
        "citizen": citizens,
        "mail_type": mail_types,
        "team": team_choices,
        "preselect": preselect,
        "abstained": not preselect["team"],
        "model": info,
        "due_date": due,
        "request": request_info,
        "sender": sender,
    }


def _preselect(mail_types, team_choices, thresholds, rule_types, explicit_teams, teams, types) -> dict[str, bool]:
    """What the qualification screen preselects: a choice at or above its calibrated threshold (type, team),
    or one an explicit source gives (a routing rule, a quoted request: overrides), or the team of a
    preselected type."""
    type_threshold, team_threshold = thresholds
    top_type = mail_types[0] if mail_types else None
    top_team = team_choices[0] if team_choices else None
    type_ok = top_type is not None and (top_type["score"] >= type_threshold or top_type["id"] in rule_types)
    if type_ok:
        top_type["explicit"] = True
    # A team known only from a type's default (no commune for a programme served per CDAS) is a hint:
    # nothing in the letter says the person lives in that team's sector.
    guessed = top_team is not None and top_team.get("fallback", False)
    team_ok = top_team is not None and (
        top_team["id"] in explicit_teams or (top_team["score"] >= team_threshold and not guessed)
    )
    # The team of a preselected type, when the type comes from a rule or is as sure as a team must be: a type
    # above its own threshold but under the team's would otherwise preselect a team the model is less sure of.
    type_sure_enough = type_ok and (top_type["id"] in rule_types or top_type["score"] >= team_threshold)
    if top_team is not None and not team_ok and type_sure_enough:
        choice = teams.team_for(types[top_type["id"]])
        team_ok = choice.team is not None and not choice.fallback and choice.team.pk == top_team["id"]
    if team_ok:
        top_team["explicit"] = True
    return {"mail_type": type_ok, "team": team_ok}


def _team_choices(mail_types, types, teams, team_evidence, citizens, request_info, item) -> list[dict]:
    """Teams from the likely types (summed per team), rules, the quoted request and the previous letter."""
    labels: dict[int, str] = {}
    from_types: dict[int, float] = defaultdict(float)
    # Teams that only a type's default gives (see ``territory.programme_team``), and those a place gives.
    guessed, placed = set(), set()
    for choice in mail_types:
        routed = teams.team_for(types[choice["id"]])
        if routed.team is None:
            continue
        team = routed.team
        (guessed if routed.fallback else placed).add(team.pk)
        labels[team.pk] = team.name
        from_types[team.pk] += choice["score"]
        team_evidence[team.pk].append(
            (0.0, f"Courrier « {choice['label']} » ({_percent(choice['score'])}) : {routed.reason}")
        )
    if mail_types:
        best = types[mail_types[0]["id"]]
        previous = previous_letter(citizens, exclude_id=getattr(item, "pk", None))
        # Only for the same programme: an earlier letter of another kind says nothing of where this one goes.
        same_programme = previous is not None and best.programme and previous.team.kind == best.programme
        if same_programme and previous.team.is_active:
            labels[previous.team_id] = previous.team.name
            team_evidence[previous.team_id].append(
                (
                    PREVIOUS_LETTER_SCORE,
                    f"Son courrier précédent ({previous.registration_number}) a été aiguillé vers cette équipe",
                )
            )
    if request_info and request_info.get("team_id"):
        team_evidence[request_info["team_id"]].append(
            (REQUEST_TEAM_SCORE, f"Équipe qui instruit la demande {request_info['tracking_code']}")
        )
    labels.update(_team_labels(set(team_evidence) - set(labels)))
    ranked = _ranked(team_evidence, labels, base={k: min(v, 0.999) for k, v in from_types.items()})
    if request_info and request_info.get("team_id") in labels and ranked:
        # A quoted request decides: its team comes first whatever the other evidence adds up to.
        chosen = next((t for t in ranked if t["id"] == request_info["team_id"]), None)
        if chosen is not None and ranked[0] is not chosen:
            chosen["score"] = max(chosen["score"], ranked[0]["score"])
            ranked.remove(chosen)
            ranked.insert(0, chosen)
    for choice in ranked:
        choice["fallback"] = choice["id"] in guessed - placed
    return ranked


def _team_labels(team_ids) -> dict[int, str]:
    if not team_ids:
        return {}
    return dict(Team.objects.filter(pk__in=team_ids, is_active=True).values_list("pk", "name"))


def _rule_evidence(text: str, sender: str, rules) -> tuple[Evidence, Evidence]:
    """(type evidence, team evidence) from the routing rules."""
    type_evidence: Evidence = defaultdict(list)
    team_evidence: Evidence = defaultdict(list)
    for hit in rule_hits(text, sender, rules):
        if hit.mail_type_id:
            type_evidence[hit.mail_type_id].append((hit.score, _cap(hit.reason)))
        if hit.team_id:
            team_evidence[hit.team_id].append((hit.score, _cap(hit.reason)))
    return type_evidence, team_evidence


def _percent(score: float) -> str:
    return f"{round(100 * score)} %"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]
