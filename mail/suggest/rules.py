"""Type and team from the functional admins' routing rules (``RoutingRule``, edited in /cms/).

A rule matches when every criterion it sets holds: one of its keywords (whole words, accents and case
ignored), its regular expression (case ignored, with a time limit), the sender containing its text.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import regex

from grc.matching.names import fold
from mail.models import RoutingRule

logger = logging.getLogger(__name__)

# An admin's pattern runs on text anyone can send (a letter's OCR): searched with the ``regex`` module
# and a time limit, so a pattern prone to catastrophic backtracking cannot hold a worker.
RULE_PATTERN_TIMEOUT_S = 0.2


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


def _pattern_found(rule, text: str) -> bool:
    try:
        return regex.search(rule.pattern, text, flags=regex.IGNORECASE, timeout=RULE_PATTERN_TIMEOUT_S) is not None
    except regex.error:
        logger.warning("routing rule %s: invalid pattern, skipped", rule.pk)
    except TimeoutError:
        logger.warning("routing rule %s: pattern timed out after %ss, skipped", rule.pk, RULE_PATTERN_TIMEOUT_S)
    return False
