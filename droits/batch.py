"""The precomputed "possible non-recours": the nightly rebuild and the refresh of one person.

``non_recours_rebuild`` reads every recorded situation with a current consent and a social file, in chunks of
citizens (by id), runs ONE vectorised engine simulation per chunk (``estimate_many``), applies the rules of
``droits.nonrecours`` (two queries per chunk for the requests and accompaniments) and replaces the chunk's rows
(one delete, one insert). Rows of people no longer eligible for the list (consent withdrawn, file or situation
gone) are removed at the end. A ``NonRecoursRun`` row holds the progress while it runs and the summary after.
A situation the engine refuses (incomplete data) is skipped and counted, never fatal to the batch.

``non_recours_refresh_person`` does the same for one person (the worker runs it when their situation, a request
or an accompaniment changes). Nothing here logs an amount or a name: ids and counts only.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from dossier_unique.models import SocialFile
from droits.engine import EngineError, SituationError, estimate_many

from .models import EstimateConsent, NonRecours, NonRecoursRun, RecordedSituation, SituationMember
from .nonrecours import blocked_benefits, possible_non_recours
from .situation import engine_situation

logger = logging.getLogger(__name__)

CHUNK_SIZE = 1000


def current_period() -> str:
    """The month estimated by default: the current one, in local time ('YYYY-MM')."""
    return timezone.localdate().strftime("%Y-%m")


def non_recours_write(*, rows_by_citizen: dict[int, list], period: str, computed_at=None) -> int:
    """Replace the possible non-recours of these citizens by ``rows_by_citizen`` ({citizen id: [(file id,
    commune code, benefit, amount)]}): one delete and one insert for the lot. Returns the rows written."""
    computed_at = computed_at or timezone.now()
    new = [
        NonRecours(
            citizen_id=citizen_id,
            file_id=file_id,
            commune_id=commune_id,
            benefit=benefit,
            monthly_amount=amount,
            period=period,
            computed_at=computed_at,
        )
        for citizen_id, rows in rows_by_citizen.items()
        for file_id, commune_id, benefit, amount in rows
    ]
    with transaction.atomic():
        NonRecours.objects.filter(citizen_id__in=list(rows_by_citizen)).delete()
        NonRecours.objects.bulk_create(new, batch_size=2000)
    return len(new)


def _eligible_situations():
    """Recorded situations of people with a current consent and a social file (the batch's input)."""
    consenting = EstimateConsent.objects.filter(citizen_id=OuterRef("citizen_id"), withdrawn_at__isnull=True)
    files = SocialFile.objects.filter(citizen_id=OuterRef("citizen_id"))
    return RecordedSituation.objects.filter(Exists(consenting), Exists(files))


def _estimate_chunk(situations: list[RecordedSituation], period: str, computed_at) -> tuple[int, int, int]:
    """Estimate, apply the rules and write one chunk: (households estimated, skipped, rows written)."""
    members: dict[int, list[SituationMember]] = {}
    for member in SituationMember.objects.filter(situation__in=situations).order_by("situation_id", "position", "pk"):
        members.setdefault(member.situation_id, []).append(member)
    file_ids = dict(
        SocialFile.objects.filter(citizen_id__in=[s.citizen_id for s in situations]).values_list("citizen_id", "pk")
    )
    valid, inputs = [], []
    for situation in situations:
        engine_input = engine_situation(situation, members.get(situation.pk, []))
        if engine_input.errors():
            continue
        valid.append(situation)
        inputs.append(engine_input)
    rows_by_citizen: dict[int, list] = {s.citizen_id: [] for s in situations}
    if inputs:
        estimates = estimate_many(situations=inputs, period=period)
        blocked = blocked_benefits([s.citizen_id for s in valid])
        for situation, result in zip(valid, estimates, strict=True):
            found = possible_non_recours(
                result, already_receives=situation.already_receives, blocked=blocked.get(situation.citizen_id, ())
            )
            rows_by_citizen[situation.citizen_id] = [
                (file_ids[situation.citizen_id], situation.commune_id, code, amount) for code, amount in found
            ]
    written = non_recours_write(rows_by_citizen=rows_by_citizen, period=period, computed_at=computed_at)
    return len(valid), len(situations) - len(valid), written


def non_recours_rebuild(
    *, chunk_size: int = CHUNK_SIZE, period: str | None = None, progress: Callable[[int, int], None] | None = None
) -> NonRecoursRun:
    """Rebuild every possible non-recours (rules in ``droits.nonrecours``), chunk by chunk; ``progress(done,
    total)`` is called after each chunk. Returns the run with its summary; an engine failure ends the run as
    failed (the rows of the chunks already done are kept, the others are left as they were)."""
    period = period or current_period()
    started = time.perf_counter()
    run = NonRecoursRun.objects.create(period=period, households_total=_eligible_situations().count())
    computed_at = run.started_at
    last_id = 0
    try:
        while True:
            chunk = list(
                _eligible_situations().filter(citizen_id__gt=last_id).order_by("citizen_id")[: max(1, chunk_size)]
            )
            if not chunk:
                break
            last_id = chunk[-1].citizen_id
            done, skipped, written = _estimate_chunk(chunk, period, computed_at)
            run.households_done += done
            run.households_skipped += skipped
            run.rows_written += written
            NonRecoursRun.objects.filter(pk=run.pk).update(
                households_done=run.households_done,
                households_skipped=run.households_skipped,
                rows_written=run.rows_written,
            )
            if progress is not None:
                progress(run.households_done + run.households_skipped, run.households_total)
        # People no longer in the input (consent withdrawn, situation or file gone) leave the list.
        NonRecours.objects.filter(computed_at__lt=computed_at).delete()
        run.status = NonRecoursRun.Status.DONE
    except (SituationError, EngineError) as error:
        run.status, run.error = NonRecoursRun.Status.FAILED, type(error).__name__
        logger.error("droits: non-recours run %s failed (%s)", run.pk, type(error).__name__)
    run.finished_at = timezone.now()
    run.seconds = time.perf_counter() - started
    run.save()
    logger.info(
        "droits: non-recours run %s: %s household(s), %s skipped, %s row(s), %.1f s",
        run.pk,
        run.households_done,
        run.households_skipped,
        run.rows_written,
        run.seconds,
    )
    return run


def non_recours_refresh_person(*, citizen_id: int, period: str | None = None) -> int:
    """Recompute one person's possible non-recours: with the engine when they have a current consent, a valid
    recorded situation and a social file; otherwise their rows go. Returns the rows written."""
    situation = _eligible_situations().filter(citizen_id=citizen_id).first()
    if situation is None:
        return non_recours_write(rows_by_citizen={citizen_id: []}, period=period or "")
    _done, _skipped, written = _estimate_chunk([situation], period or current_period(), timezone.now())
    return written
