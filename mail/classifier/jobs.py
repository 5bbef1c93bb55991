"""One training of the classifier, as the worker runs it (``mail.classifier.tasks.retrain_mail_classifier``).

Examples: the cold-start corpus (``mail/corpus/train``) and the agents' decisions — qualified letters
with their OCR text and the type the agent chose, the most recent ``MAIL_CLASSIFIER_MAX_DECISIONS`` —
for the active mail types only. Progress (percent and step, in French) is written on the
``MailModelTraining`` row as it goes, for the model page to show; no letter text is ever logged.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.utils import timezone

from mail.models import MailItem, MailModelTraining, MailType

from .corpus import load_corpus
from .store import model_save
from .training import train

logger = logging.getLogger(__name__)


def max_decisions() -> int:
    return int(getattr(settings, "MAIL_CLASSIFIER_MAX_DECISIONS", 50_000))


def target_wrong() -> float:
    return float(getattr(settings, "MAIL_CLASSIFIER_TARGET_WRONG", 0.03))


def training_examples() -> tuple[list[tuple[str, str]], int, int]:
    """((text, type code) pairs, letters from the corpus, decisions of the agents), active types only."""
    codes = set(MailType.objects.filter(is_active=True).values_list("code", flat=True))
    corpus = [(letter.text, letter.type_code) for letter in load_corpus() if letter.type_code in codes]
    rows = (
        MailItem.objects.filter(qualified_at__isnull=False, mail_type__is_active=True)
        .exclude(ocr_text="")
        .order_by("-qualified_at")
        .values_list("ocr_text", "mail_type__code")[: max_decisions()]
    )
    decisions = [(text, code) for text, code in rows]
    return corpus + decisions, len(corpus), len(decisions)


def routing_groups() -> dict[str, str]:
    """Type code -> programme of the active types: types of one programme go to the same team."""
    rows = MailType.objects.filter(is_active=True).exclude(programme="").values_list("code", "programme")
    return dict(rows)


def _report(training_id: int):
    def progress(percent: int, step: str) -> None:
        MailModelTraining.objects.filter(pk=training_id).update(progress=percent, step=step[:150])

    return progress


def run_training(training_id: int) -> str:
    """Run the queued training ``training_id``: "done", "failed", or "skipped" (not queued any more)."""
    claimed = MailModelTraining.objects.filter(pk=training_id, status=MailModelTraining.Status.QUEUED).update(
        status=MailModelTraining.Status.RUNNING, started_at=timezone.now(), progress=2, step="Démarrage"
    )
    if not claimed:
        return "skipped"
    progress = _report(training_id)
    start = time.perf_counter()
    try:
        progress(5, "Lecture des exemples (corpus et décisions des agents)")
        examples, corpus_count, decision_count = training_examples()
        trained = train(examples, target_wrong=target_wrong(), progress=progress, groups=routing_groups())
        progress(95, "Enregistrement du modèle")
        model = model_save(
            trained=trained,
            duration_s=time.perf_counter() - start,
            corpus_examples=corpus_count,
            decision_examples=decision_count,
        )
    except Exception as error:  # the page says it failed; the previous version keeps serving
        logger.exception("mail classifier training %s failed", training_id)
        message = str(error) if isinstance(error, ValueError) else type(error).__name__
        MailModelTraining.objects.filter(pk=training_id).update(
            status=MailModelTraining.Status.FAILED, finished_at=timezone.now(), error=message[:255]
        )
        return "failed"
    MailModelTraining.objects.filter(pk=training_id).update(
        status=MailModelTraining.Status.DONE,
        finished_at=timezone.now(),
        progress=100,
        step=f"Version {model.version} prête",
        model=model,
    )
    logger.info("mail classifier v%s trained in %.1fs", model.version, time.perf_counter() - start)
    return "done"
