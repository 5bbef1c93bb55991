"""The classifier's artefacts: written to the private storage with their SHA-256, loaded once per process.

Loading a joblib file unpickles it, which can run code: only a file this application wrote is loaded,
and only if its bytes still hash to the SHA-256 recorded in its ``MailModel`` row and it was written by
the scikit-learn version installed here. Each process keeps the current version in memory
(``current_classifier``); one indexed query per call tells whether a newer version was trained since.
Older artefacts than the last ``KEEP_ARTEFACTS`` are deleted from storage (their rows and figures stay).
"""

from __future__ import annotations

import hashlib
import io
import logging
import threading
from dataclasses import dataclass

import joblib
import sklearn
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from mail.models import MailModel

from .training import MailClassifier, TrainedModel

logger = logging.getLogger(__name__)

KEEP_ARTEFACTS = 3


class ArtefactRefused(Exception):
    """The stored artefact is missing, altered (SHA-256) or from another scikit-learn version."""


@dataclass(frozen=True)
class LoadedModel:
    version: int
    sha256: str
    trained_at: object
    threshold: float
    sure_threshold: float
    classifier: MailClassifier
    team_threshold: float
    team_sure_threshold: float


def model_save(
    *, trained: TrainedModel, duration_s: float, corpus_examples: int, decision_examples: int, decisions_from=None
) -> MailModel:
    """Store a trained model as the next version; older artefacts beyond the last few are deleted."""
    buffer = io.BytesIO()
    joblib.dump(trained.classifier, buffer, compress=3)
    data = buffer.getvalue()
    sha = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        # One training at a time writes a version; the lock makes a second one wait for the number.
        list(MailModel.objects.select_for_update().order_by("-version").values_list("pk", flat=True)[:1])
        version = (MailModel.objects.aggregate(v=Max("version"))["v"] or 0) + 1
        row = MailModel(
            version=version,
            trained_at=timezone.now(),
            examples=trained.examples,
            corpus_examples=corpus_examples,
            decision_examples=decision_examples,
            evaluation={**trained.evaluation, "left_out": trained.left_out, "timings": trained.timings},
            threshold=trained.threshold,
            sure_threshold=trained.sure_threshold,
            team_threshold=trained.team_threshold,
            team_sure_threshold=trained.team_sure_threshold,
            sha256=sha,
            size=len(data),
            sklearn_version=sklearn.__version__,
            duration_s=round(duration_s, 2),
            decisions_from=decisions_from,
        )
        row.artefact.save(f"v{version}.joblib", ContentFile(data), save=False)
        row.save()
    _prune()
    return row


def model_discard(row: MailModel) -> None:
    """Delete ``row``'s artefact from the storage (its row and figures stay); no process will load it again."""
    if row.artefact:
        row.artefact.delete(save=False)
    MailModel.objects.filter(pk=row.pk).update(artefact="")


def _prune() -> None:
    old = MailModel.objects.exclude(artefact="").order_by("-version")[KEEP_ARTEFACTS:]
    for row in old:
        row.artefact.delete(save=False)
        MailModel.objects.filter(pk=row.pk).update(artefact="")


def model_load(row: MailModel) -> MailClassifier:
    """The classifier of ``row``, after checking its bytes and scikit-learn version (``ArtefactRefused``)."""
    if not row.artefact:
        raise ArtefactRefused(f"v{row.version}: no artefact")
    if row.sklearn_version != sklearn.__version__:
        raise ArtefactRefused(f"v{row.version}: scikit-learn {row.sklearn_version}, not {sklearn.__version__}")
    try:
        with row.artefact.open("rb") as stored:
            data = stored.read()
    except OSError as error:
        raise ArtefactRefused(f"v{row.version}: {type(error).__name__}") from None
    if hashlib.sha256(data).hexdigest() != row.sha256:
        raise ArtefactRefused(f"v{row.version}: SHA-256 mismatch")
    classifier = joblib.load(io.BytesIO(data))
    if not isinstance(classifier, MailClassifier):
        raise ArtefactRefused(f"v{row.version}: not a mail classifier")
    return classifier


_lock = threading.Lock()
_LOADED_FIELDS = (
    "version",
    "trained_at",
    "threshold",
    "sure_threshold",
    "team_threshold",
    "team_sure_threshold",
    "artefact",
    "sha256",
    "sklearn_version",
)
_cache: dict[str, object] = {"loaded": None, "refused": None}


def current_classifier() -> LoadedModel | None:
    """This process's copy of the newest usable version (loaded at most once per version), or None."""
    row = MailModel.objects.exclude(artefact="").order_by("-version").only(*_LOADED_FIELDS).first()
    if row is None:
        return None
    loaded = _cache["loaded"]
    if loaded is not None and loaded.sha256 == row.sha256:
        return loaded
    if _cache["refused"] == row.sha256:
        return loaded  # the previous good version, if this process had one
    with _lock:
        try:
            classifier = model_load(row)
        except ArtefactRefused as refusal:
            logger.error("mail classifier refused: %s", refusal)
            _cache["refused"] = row.sha256
            return _cache["loaded"]
        _cache["loaded"] = LoadedModel(
            row.version,
            row.sha256,
            row.trained_at,
            row.threshold,
            row.sure_threshold,
            classifier,
            # A version trained before the team thresholds existed: the type's stand in.
            row.team_threshold if row.team_threshold is not None else row.threshold,
            row.team_sure_threshold if row.team_sure_threshold is not None else row.sure_threshold,
        )
        return _cache["loaded"]


def forget_loaded() -> None:
    """Empty this process's cache (tests, and a test's rolled-back rows)."""
    _cache["loaded"] = None
    _cache["refused"] = None
