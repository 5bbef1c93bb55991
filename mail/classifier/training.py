"""Training the classifier: cross-validated figures, the abstention threshold chosen from them, the final model.

``train(examples)`` is pure (no database): the worker's training (``services.mail_model_train``) gives it
the corpus and the agents' decisions, the benchmark gives it 50,000 letters to time it.

The model is a linear SVM on the TF-IDF features (``features``), calibrated (``CalibratedClassifierCV``,
sigmoid, 3 folds) so its scores are probabilities. The figures are those of a stratified k-fold
cross-validation of that whole calibrated model on the training examples (at most ``MAX_CV_EXAMPLES``,
a stratified sample beyond; the vocabulary is learned once from all of them: the figures are slightly
optimistic, the evaluation corpus of bench/ is not).

Abstention: from the cross-validated predictions, the threshold is the lowest confidence such that the
letters suggested at or above it and wrong are at most ``target_wrong`` of all letters; "sûr" is the
lowest confidence from which the suggestions were right at least ``SURE_PRECISION`` of the time.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.svm import LinearSVC

from .features import build_vectorizer, fold_text, forget_discarded_terms

# A type needs this many examples to be learned (and cross-validated); fewer: left out, and said so.
MIN_EXAMPLES_PER_TYPE = 6
SURE_PRECISION = 0.98
# Never below this: under it the model is guessing among ten types, whatever the figures say.
MIN_THRESHOLD = 0.3
SVM_C = 0.5
# The figures and thresholds come from a cross-validation on at most this many letters (a stratified
# sample): 8,000 letters give each figure within about a percentage point, and keep a training on
# 50,000 decisions to a couple of minutes. The final model learns from every example.
MAX_CV_EXAMPLES = 8000

Progress = Callable[[int, str], None]


class MailClassifier:
    """What is stored: the fitted features and calibrated model, and the type codes it knows."""

    def __init__(self, vectorizer, model, classes: list[str]):
        self.vectorizer = vectorizer
        self.model = model
        self.classes = list(classes)

    def predict(self, texts: list[str]) -> list[list[tuple[str, float]]]:
        """For each text, every known type code with its probability, best first."""
        matrix = self.vectorizer.transform([fold_text(t) for t in texts])
        probabilities = self.model.predict_proba(matrix)
        order = [str(c) for c in self.model.classes_]
        return [
            sorted(((order[i], float(p)) for i, p in enumerate(row)), key=lambda pair: -pair[1])
            for row in probabilities
        ]


@dataclass
class TrainedModel:
    classifier: MailClassifier
    examples: dict[str, int]
    left_out: dict[str, int]
    evaluation: dict
    threshold: float
    sure_threshold: float
    timings: dict[str, float] = field(default_factory=dict)


CALIBRATION = "sigmoid"


def _calibrated() -> CalibratedClassifierCV:
    return CalibratedClassifierCV(LinearSVC(C=SVM_C, class_weight="balanced", tol=1e-3), method=CALIBRATION, cv=3)


def choose_thresholds(confidence, correct, *, target_wrong: float) -> tuple[float, float]:
    """(abstention threshold, "sûr" threshold) from cross-validated (confidence, right or wrong) pairs."""
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=bool)
    n = len(confidence)
    order = np.argsort(-confidence)
    wrong_above = np.cumsum(~correct[order])  # wrong among the k most confident
    right_above = np.cumsum(correct[order])
    threshold = 1.0
    sure = 1.0
    for k in range(n):
        value = confidence[order[k]]
        if k + 1 < n and confidence[order[k + 1]] == value:
            continue  # a threshold keeps every letter at that confidence
        if wrong_above[k] / n <= target_wrong:
            threshold = value
        if right_above[k] / (k + 1) >= SURE_PRECISION:
            sure = value
    threshold = max(MIN_THRESHOLD, float(threshold))
    return round(threshold, 4), round(max(threshold, float(sure)), 4)


def _cv_sample(labels: np.ndarray) -> np.ndarray:
    """Row indexes cross-validated: every row, or a stratified sample of ``MAX_CV_EXAMPLES``."""
    rows = np.arange(len(labels))
    if len(rows) <= MAX_CV_EXAMPLES:
        return rows
    sample, _rest = train_test_split(rows, train_size=MAX_CV_EXAMPLES, stratify=labels, random_state=2026)
    return np.sort(sample)


def _figures(codes, labels, best, confidence, threshold, sure) -> dict:
    correct = best == labels
    suggested = confidence >= threshold
    n = len(labels)
    per_type = {}
    for code in codes:
        truth = labels == code
        predicted = best == code
        per_type[code] = {
            "n": int(truth.sum()),
            "recall": round(float((truth & predicted).sum() / max(1, truth.sum())), 3),
            "precision": round(float((truth & predicted).sum() / max(1, predicted.sum())), 3),
        }
    return {
        "letters": n,
        "top1": round(float(correct.mean()), 4),
        "abstention": round(float(1 - suggested.mean()), 4),
        "top1_where_suggested": round(float(correct[suggested].mean()) if suggested.any() else 0.0, 4),
        "confidently_wrong": round(float((suggested & ~correct).sum() / n), 4),
        "sure_share": round(float((confidence >= sure).mean()), 4),
        "per_type": per_type,
    }


def train(
    examples: list[tuple[str, str]], *, target_wrong: float = 0.03, folds: int = 5, progress: Progress | None = None
) -> TrainedModel:
    """Cross-validate then fit the classifier on ``examples`` ((text, type code) pairs)."""
    report = progress or (lambda percent, step: None)
    timings = {}
    counts = Counter(code for _, code in examples)
    kept_codes = sorted(code for code, n in counts.items() if n >= MIN_EXAMPLES_PER_TYPE)
    left_out = {code: n for code, n in counts.items() if code not in kept_codes}
    if len(kept_codes) < 2:
        raise ValueError("Il faut au moins deux types de courrier ayant chacun assez d'exemples.")
    kept = [(text, code) for text, code in examples if code in counts and code in kept_codes]
    labels = np.array([code for _, code in kept])

    start = time.perf_counter()
    report(10, "Lecture du texte des courriers")
    folded = [fold_text(text) for text, _ in kept]
    vectorizer = build_vectorizer()
    matrix = vectorizer.fit_transform(folded)
    forget_discarded_terms(vectorizer)
    timings["features_s"] = round(time.perf_counter() - start, 2)

    start = time.perf_counter()
    sample = _cv_sample(labels)
    cv_matrix, cv_labels = matrix[sample], labels[sample]
    # Beyond 3,000 letters three folds measure as well as five, for less than half the time.
    folds = 3 if len(sample) >= 3000 else folds
    folds = max(2, min(folds, min(Counter(cv_labels).values())))
    probabilities = np.zeros((len(sample), len(kept_codes)))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=2026)
    for index, (train_rows, test_rows) in enumerate(splitter.split(cv_matrix, cv_labels), start=1):
        report(20 + int(60 * (index - 1) / folds), f"Validation croisée : pli {index} sur {folds}")
        model = _calibrated().fit(cv_matrix[train_rows], cv_labels[train_rows])
        columns = [kept_codes.index(str(c)) for c in model.classes_]
        probabilities[np.ix_(test_rows, columns)] = model.predict_proba(cv_matrix[test_rows])
    timings["cross_validation_s"] = round(time.perf_counter() - start, 2)
    best = np.array(kept_codes)[probabilities.argmax(axis=1)]
    confidence = probabilities.max(axis=1)
    threshold, sure = choose_thresholds(confidence, best == cv_labels, target_wrong=target_wrong)
    evaluation = {"folds": folds, **_figures(kept_codes, cv_labels, best, confidence, threshold, sure)}

    start = time.perf_counter()
    report(85, "Entraînement du modèle final")
    final = _calibrated().fit(matrix, labels)
    timings["final_fit_s"] = round(time.perf_counter() - start, 2)
    return TrainedModel(
        classifier=MailClassifier(vectorizer, final, kept_codes),
        examples={code: counts[code] for code in kept_codes},
        left_out=left_out,
        evaluation=evaluation,
        threshold=threshold,
        sure_threshold=sure,
        timings=timings,
    )
