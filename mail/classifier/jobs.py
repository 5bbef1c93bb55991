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
from django.utils.translation import gettext as _

from mail.models import MailItem, MailModelTraining, MailType

from .corpus import load_corpus
from .store import model_discard, model_save
from .training import train

logger = logging.getLogger(__name__)


def max_decisions() -> int:
    return int(getattr(settings, "MAIL_CLASSIFIER_MAX_DECISIONS", 50_000))


def target_wrong() -> float:
    return float(getattr(settings, "MAIL_CLASSIFIER_TARGET_WRONG", 0.03))


def training_examples() -> tuple[list[tuple[str, str]], int, int]:
    """((text, type code) pairs, letters from the corpus, decisions of the agents), active types only."""
    examples, corpus_count, decision_ids, _since = _examples()
    return examples, corpus_count, len(decision_ids)


def _examples() -> tuple[list[tuple[str, str]], int, list[int], object]:
    """``training_examples`` with the decisions' letter ids and their earliest qualification (None without)."""
    codes = set(MailType.objects.filter(is_active=True).values_list("code", flat=True))
    corpus = [(letter.text, letter.type_code) for letter in load_corpus() if letter.type_code in codes]
    rows = list(
        MailItem.objects.filter(qualified_at__isnull=False, mail_type__is_active=True)
        .exclude(ocr_text="")
        .order_by("-qualified_at")
        .values_list("pk", "ocr_text", "mail_type__code", "qualified_at")[: max_decisions()]
    )
    decisions = [(text, code) for _pk, text, code, _at in rows]
    since = min((at for *_rest, at in rows), default=None)
    return corpus + decisions, len(corpus), [row[0] for row in rows], since


def routing_groups() -> dict[str, str]:
    """Type code -> programme of the active types: types of one programme go to the same team."""
    rows = MailType.objects.filter(is_active=True).exclude(programme="").values_list("code", "programme")
    return dict(rows)


def _report(training_id: int):
    def progress(percent: int, step: str) -> None:
        MailModelTraining.objects.filter(pk=training_id).update(progress=percent, step=step[:150])

    return progress


def _discard_if_forgotten(model, decision_ids) -> None:
    """Letters it learned from were erased while it trained (``mail.classifier.retention`` ran before this
    version existed): its artefact goes too, and the training fails saying so."""
    kept = MailItem.objects.filter(pk__in=decision_ids).exclude(ocr_text="").count() if decision_ids else 0
    if kept < len(decision_ids):
        model_discard(model)
        raise ValueError(_("Des courriers appris ont été effacés pendant l'entraînement : version écartée."))


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
        examples, corpus_count, decision_ids, since = _examples()
        trained = train(examples, target_wrong=target_wrong(), progress=progress, groups=routing_groups())
        progress(95, "Enregistrement du modèle")
        model = model_save(
            trained=trained,
            duration_s=time.perf_counter() - start,
            corpus_examples=corpus_count,
            decision_examples=len(decision_ids),
            decisions_from=since,
        )
        _discard_if_forgotten(model, decision_ids)
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
