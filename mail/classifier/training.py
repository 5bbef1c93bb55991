"""Training the classifier: cross-validated figures, the abstention thresholds chosen from them, the final model.

``train(examples)`` is pure (no database): the worker's training (``jobs.run_training``) gives it the corpus
and the agents' decisions, the benchmark gives it 50,000 letters to time it.

The model is a linear SVM on the TF-IDF features (``features``) whose scores are turned into probabilities
by a sigmoid per type (Platt scaling) fitted on **out-of-fold** scores: a stratified k-fold
cross-validation fits one SVM per fold on the training examples (at most ``MAX_CV_EXAMPLES``, a stratified
sample beyond), scores the letters it did not see, and those scores calibrate the final SVM trained once on
every example (what ``CalibratedClassifierCV(ensemble=False)`` does, without fitting the SVMs twice). The
figures are those of the calibrated out-of-fold predictions (the vocabulary statistics are learned once
from all examples, and the sigmoids from the same out-of-fold scores: slightly optimistic; the evaluation
corpora of bench/ are not).

**Routing groups** (``groups``: type code -> programme): what matters is the team, and types of one
programme go to the same team (APA and PCH, financial help and supporting documents). The team's
confidence is the sum of its types' probabilities, so the team thresholds are chosen on those sums.

Abstention: from the cross-validated predictions, each threshold is the lowest confidence such that the
letters suggested at or above it and wrong are at most ``target_wrong × SAFETY`` of all letters; "sûr" is
the lowest confidence from which the suggestions were right at least ``SURE_PRECISION`` of the time.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.svm import LinearSVC

from .features import build_vectorizer, fold_text, forget_discarded_terms

# A type needs this many examples to be learned (and cross-validated); fewer: left out, and said so.
MIN_EXAMPLES_PER_TYPE = 6
SURE_PRECISION = 0.98
# Never below this: under it the model is guessing among ten types, whatever the figures say.
MIN_THRESHOLD = 0.3
SVM_C = 0.5
# The cross-validation's thresholds aim at this share of the target: letters in the wild are harder than
# the training corpus's own folds (on the first evaluation set, 2.8 % wrong in CV became 12.5 %).
SAFETY = 2 / 3
# The figures and thresholds come from a cross-validation on at most this many letters (a stratified
# sample): 8,000 letters give each figure within about a percentage point, and keep a training on
# 50,000 decisions under two minutes. The final model learns from every example.
MAX_CV_EXAMPLES = 8000

Progress = Callable[[int, str], None]


def _svm() -> LinearSVC:
    return LinearSVC(C=SVM_C, class_weight="balanced", tol=1e-3)


def _scores(svm: LinearSVC, matrix) -> np.ndarray:
    """One decision score per class and letter (a two-class SVM gives one column: made two)."""
    scores = svm.decision_function(matrix)
    return np.column_stack([-scores, scores]) if scores.ndim == 1 else scores


class PlattCalibration:
    """One sigmoid per class on the SVM's score (fitted on out-of-fold scores), normalised over the classes."""

    def __init__(self, slopes: np.ndarray, intercepts: np.ndarray):
        self.slopes = np.asarray(slopes, dtype=float)
        self.intercepts = np.asarray(intercepts, dtype=float)

    @classmethod
    def fit(cls, scores: np.ndarray, labels: np.ndarray, classes: list[str]) -> PlattCalibration:
        slopes, intercepts = [], []
        for index, code in enumerate(classes):
            slope, intercept = _sigmoid_fit(scores[:, index], labels == code)
            slopes.append(slope)
            intercepts.append(intercept)
        return cls(np.array(slopes), np.array(intercepts))

    def apply(self, scores: np.ndarray) -> np.ndarray:
        raw = _sigmoid(scores * self.slopes + self.intercepts)
        total = raw.sum(axis=1, keepdims=True)
        return np.divide(raw, total, out=np.full_like(raw, 1.0 / raw.shape[1]), where=total > 0)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    # Clipped: a steep sigmoid far from its centre is 0 or 1 anyway, and exp() of a large value overflows
    # (a warning, and an error under the test suite) on well-separated types.
    return 1.0 / (1.0 + np.exp(-np.clip(z, -500.0, 500.0)))


def _sigmoid_fit(score: np.ndarray, positive: np.ndarray) -> tuple[float, float]:
    """Platt's sigmoid P(positive | score) = 1 / (1 + exp(-(a·score + b))), by Newton's method on the
    log-loss, with Platt's smoothed targets (no infinite slope when a class is perfectly separated)."""
    n_pos, n_neg = float(positive.sum()), float((~positive).sum())
    target = np.where(positive, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))
    a, b = 1.0, float(np.log((n_pos + 1) / (n_neg + 1)))
    for _ in range(100):
        p = _sigmoid(a * score + b)
        weight = np.maximum(p * (1 - p), 1e-12)
        residual = p - target
        gradient = np.array([(residual * score).sum(), residual.sum()])
        hessian = np.array(
            [[(weight * score * score).sum() + 1e-9, (weight * score).sum()], [(weight * score).sum(), weight.sum()]]
        )
        step = np.linalg.solve(hessian + 1e-9 * np.eye(2), gradient)
        a, b = a - step[0], b - step[1]
        if np.abs(step).max() < 1e-8:
            break
    return float(a), float(b)


class CalibratedSVM:
    """The final SVM (trained on every example) and the calibration fitted on out-of-fold scores."""

    def __init__(self, svm: LinearSVC, calibration: PlattCalibration):
        self.svm = svm
        self.calibration = calibration
        self.classes_ = svm.classes_

    def predict_proba(self, matrix) -> np.ndarray:
        return self.calibration.apply(_scores(self.svm, matrix))


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
    team_threshold: float = 0.0
    team_sure_threshold: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)


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
    # Rounded up: rounding down would let in letters just under the confidence that was chosen.
    return _ceil4(threshold), _ceil4(max(threshold, float(sure)))


def _ceil4(value: float) -> float:
    return min(1.0, math.ceil(value * 10_000 - 1e-9) / 10_000)


def _cv_sample(labels: np.ndarray) -> np.ndarray:
    """Row indexes cross-validated: every row, or a stratified sample of ``MAX_CV_EXAMPLES``."""
    rows = np.arange(len(labels))
    if len(rows) <= MAX_CV_EXAMPLES:
        return rows
    sample, _rest = train_test_split(rows, train_size=MAX_CV_EXAMPLES, stratify=labels, random_state=2026)
    return np.sort(sample)


def _summary(truth, best, confidence, threshold, sure) -> dict:
    correct = best == truth
    suggested = confidence >= threshold
    n = len(truth)
    return {
        "top1": round(float(correct.mean()), 4),
        "abstention": round(float(1 - suggested.mean()), 4),
        "top1_where_suggested": round(float(correct[suggested].mean()) if suggested.any() else 0.0, 4),
        "confidently_wrong": round(float((suggested & ~correct).sum() / n), 4),
        "sure_share": round(float((confidence >= sure).mean()), 4),
    }


def _per_type(codes, labels, best) -> dict:
    per_type = {}
    for code in codes:
        truth, predicted = labels == code, best == code
        per_type[code] = {
            "n": int(truth.sum()),
            "recall": round(float((truth & predicted).sum() / max(1, truth.sum())), 3),
            "precision": round(float((truth & predicted).sum() / max(1, predicted.sum())), 3),
        }
    return per_type


def _confusions(labels, best, limit: int = 8) -> list[list]:
    """The most frequent (true type, predicted type, letters) mistakes of the cross-validation."""
    pairs = Counter((str(t), str(p)) for t, p in zip(labels, best, strict=True) if t != p)
    return [[t, p, n] for (t, p), n in pairs.most_common(limit)]


def _out_of_fold_scores(matrix, labels, codes, folds: int, report: Progress) -> np.ndarray:
    """Each letter's SVM scores from the fold that did not learn it (one column per code)."""
    scores = np.zeros((len(labels), len(codes)))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=2026)
    for index, (train_rows, test_rows) in enumerate(splitter.split(matrix, labels), start=1):
        report(20 + int(55 * (index - 1) / folds), f"Validation croisée : pli {index} sur {folds}")
        svm = _svm().fit(matrix[train_rows], labels[train_rows])
        columns = [codes.index(str(c)) for c in svm.classes_]
        scores[np.ix_(test_rows, columns)] = _scores(svm, matrix[test_rows])
    return scores


def _routing(codes, groups, labels, probabilities, target) -> tuple[dict, float, float]:
    """Figures and (threshold, "sûr") at the team level: a group's probability is its types' sum."""
    names = sorted({groups.get(code) or code for code in codes})
    member = np.zeros((len(codes), len(names)))
    for row, code in enumerate(codes):
        member[row, names.index(groups.get(code) or code)] = 1.0
    sums = probabilities @ member
    truth = np.array([groups.get(str(code)) or str(code) for code in labels])
    best, confidence = np.array(names)[sums.argmax(axis=1)], sums.max(axis=1)
    threshold, sure = choose_thresholds(confidence, best == truth, target_wrong=target)
    figures = {**_summary(truth, best, confidence, threshold, sure), "threshold": threshold, "sure": sure}
    figures["groups"] = {name: [c for c in codes if (groups.get(c) or c) == name] for name in names}
    return figures, threshold, sure


def train(
    examples: list[tuple[str, str]],
    *,
    target_wrong: float = 0.03,
    folds: int = 5,
    progress: Progress | None = None,
    groups: dict[str, str] | None = None,
) -> TrainedModel:
    """Cross-validate then fit the classifier on ``examples`` ((text, type code) pairs); ``groups`` maps a
    type code to its routing group (programme), for the team thresholds."""
    report = progress or (lambda percent, step: None)
    timings = {}
    counts = Counter(code for _, code in examples)
    kept_codes = sorted(code for code, n in counts.items() if n >= MIN_EXAMPLES_PER_TYPE)
    left_out = {code: n for code, n in counts.items() if code not in kept_codes}
    if len(kept_codes) < 2:
        raise ValueError("Il faut au moins deux types de courrier ayant chacun assez d'exemples.")
    kept = [(text, code) for text, code in examples if code in kept_codes]
    labels = np.array([code for _, code in kept])

    start = time.perf_counter()
    report(10, "Lecture du texte des courriers")
    vectorizer = build_vectorizer()
    matrix = vectorizer.fit_transform([fold_text(text) for text, _ in kept])
    forget_discarded_terms(vectorizer)
    timings["features_s"] = round(time.perf_counter() - start, 2)

    start = time.perf_counter()
    sample = _cv_sample(labels)
    cv_labels = labels[sample]
    # Beyond 3,000 letters three folds measure as well as five, for less than half the time.
    folds = 3 if len(sample) >= 3000 else folds
    folds = max(2, min(folds, min(Counter(cv_labels).values())))
    scores = _out_of_fold_scores(matrix[sample], cv_labels, kept_codes, folds, report)
    calibration = PlattCalibration.fit(scores, cv_labels, kept_codes)
    probabilities = calibration.apply(scores)
    timings["cross_validation_s"] = round(time.perf_counter() - start, 2)
    best = np.array(kept_codes)[probabilities.argmax(axis=1)]
    confidence = probabilities.max(axis=1)
    target = target_wrong * SAFETY
    threshold, sure = choose_thresholds(confidence, best == cv_labels, target_wrong=target)
    routing, team_threshold, team_sure = _routing(kept_codes, groups or {}, cv_labels, probabilities, target)
    evaluation = {
        "folds": folds,
        "letters": len(sample),
        "target_wrong": round(target, 4),
        **_summary(cv_labels, best, confidence, threshold, sure),
        "per_type": _per_type(kept_codes, cv_labels, best),
        "confusions": _confusions(cv_labels, best),
        "routing": routing,
    }

    start = time.perf_counter()
    report(80, "Entraînement du modèle final")
    final = CalibratedSVM(_svm().fit(matrix, labels), calibration)
    timings["final_fit_s"] = round(time.perf_counter() - start, 2)
    return TrainedModel(
        classifier=MailClassifier(vectorizer, final, kept_codes),
        examples={code: counts[code] for code in kept_codes},
        left_out=left_out,
        evaluation=evaluation,
        threshold=threshold,
        sure_threshold=sure,
        team_threshold=team_threshold,
        team_sure_threshold=team_sure,
        timings=timings,
    )
