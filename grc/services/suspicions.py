"""Duplicate suspicions: recorded by detection (or by hand), dismissed by an agent.

A pair of citizens has at most one suspicion, ordered ``citizen_a_id < citizen_b_id``. A dismissed
("not a duplicate") or merged pair is never raised again, whatever detection finds later.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grc.history import save_tracked
from grc.matching.candidates import SUSPICION_THRESHOLD, IdentityQuery, match
from grc.models import Citizen, DuplicateSuspicion


@dataclass
class DetectionReport:
    checked: int = 0
    created: int = 0
    already_known: int = 0
    dismissed_skipped: int = 0
    last_id: int = 0
    elapsed: float = 0.0
    suspicion_ids: list[int] = field(default_factory=list)


def _pair(a, b) -> tuple[int, int]:
    a_id, b_id = getattr(a, "pk", a), getattr(b, "pk", b)
    if a_id == b_id:
        raise ValueError("a citizen cannot be a duplicate of itself")
    return (a_id, b_id) if a_id < b_id else (b_id, a_id)


@transaction.atomic
def _record(*, a, b, score: float, reasons: list[str]) -> tuple[DuplicateSuspicion | None, str]:
    """Record or refresh a pair; returns (suspicion or None, "created" | "known" | "closed")."""
    a_id, b_id = _pair(a, b)
    existing = DuplicateSuspicion.objects.select_for_update().filter(citizen_a_id=a_id, citizen_b_id=b_id).first()
    if existing is None:
        suspicion = DuplicateSuspicion(citizen_a_id=a_id, citizen_b_id=b_id, score=score, reasons=list(reasons))
        try:
            # A concurrent detection may have created the pair since the read above.
            with transaction.atomic():
                suspicion.save()
        except IntegrityError:
            existing = DuplicateSuspicion.objects.select_for_update().get(citizen_a_id=a_id, citizen_b_id=b_id)
        else:
            return suspicion, "created"
    if existing.status != DuplicateSuspicion.Status.OPEN:
        return None, "closed"
    if existing.score != score or existing.reasons != list(reasons):
        existing.score, existing.reasons = score, list(reasons)
        existing._change_reason = "score recalculé"
        existing.save(update_fields=["score", "reasons"])
    return existing, "known"


def suspicion_record(*, a, b, score: float, reasons: list[str]) -> DuplicateSuspicion | None:
    """Record that citizens ``a`` and ``b`` may be the same person.

    The pair is ordered (``citizen_a_id < citizen_b_id``). An open suspicion of the same pair gets
    its score and reasons refreshed; a dismissed or merged one is left alone and ``None`` is
    returned: a decision taken by an agent is never re-opened by detection.
    """
    return _record(a=a, b=b, score=score, reasons=reasons)[0]


@transaction.atomic
def suspicion_dismiss(*, suspicion: DuplicateSuspicion, actor, note: str = "") -> DuplicateSuspicion:
    """Mark a suspicion "not a duplicate": who decided, when and why are kept (and in its history)."""
    suspicion = DuplicateSuspicion.objects.select_for_update().get(pk=suspicion.pk)
    if suspicion.status != DuplicateSuspicion.Status.OPEN:
        raise ValidationError(_("Cette suspicion de doublon a déjà été traitée."))
    suspicion.status = DuplicateSuspicion.Status.DISMISSED
    suspicion.decided_by = actor
    suspicion.decided_at = timezone.now()
    suspicion.decision_note = note
    save_tracked(
        suspicion, actor, "pas un doublon", update_fields=["status", "decided_by", "decided_at", "decision_note"]
    )
    return suspicion


def detect_duplicates(
    *,
    batch_size: int = 1000,
    start_after_id: int = 0,
    progress: Callable[[int, DetectionReport], None] | None = None,
    limit: int | None = None,
    threshold: float = SUSPICION_THRESHOLD,
) -> DetectionReport:
    """Walk active citizens by id (after ``start_after_id``) and record their likely duplicates.

    Each citizen is looked up with ``grc.matching.candidates.match`` (indexed, never a scan); candidates at
    or above ``threshold`` become open suspicions. Idempotent: known pairs are refreshed, dismissed
    or merged pairs are skipped. Not one transaction: each suspicion is written on its own, so the
    walk can be interrupted and resumed from ``report.last_id``. ``progress(citizen_id, report)``
    is called after each citizen (the command uses it for its progress bar and checkpoint).
    """
    report = DetectionReport(last_id=start_after_id)
    started = time.monotonic()
    seen_pairs: set[tuple[int, int]] = set()
    while limit is None or report.checked < limit:
        size = batch_size if limit is None else min(batch_size, limit - report.checked)
        batch = list(
            Citizen.objects.filter(status=Citizen.Status.ACTIVE, pk__gt=report.last_id)
            .prefetch_related("addresses")
            .order_by("pk")[:size]
        )
        if not batch:
            break
        for citizen in batch:
            # With a birth date, its arms (same, swapped, one digit off, with name similarity) already
            # catch misspelled duplicates; the trigram tier would cost ~5x for almost nothing more.
            candidates = match(
                IdentityQuery.from_citizen(citizen),
                limit=10,
                min_score=threshold,
                exclude_ids=[citizen.pk],
                fuzzy_names=citizen.birth_date is None,
            )
            for candidate in candidates:
                pair = _pair(citizen.pk, candidate.citizen_id)
                if pair in seen_pairs:
                    continue  # the same pair seen from its other citizen in this run
                seen_pairs.add(pair)
                suspicion, outcome = _record(
                    a=citizen.pk, b=candidate.citizen_id, score=candidate.score, reasons=candidate.reasons
                )
                if outcome == "created":
                    report.created += 1
                    report.suspicion_ids.append(suspicion.pk)
                elif outcome == "known":
                    report.already_known += 1
                else:
                    report.dismissed_skipped += 1
            report.checked += 1
            report.last_id = citizen.pk
            if progress is not None:
                progress(citizen.pk, report)
    report.elapsed = time.monotonic() - started
    return report
