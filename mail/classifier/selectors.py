"""What the mail classifier's page shows the functional admin (no personal data: figures and counts)."""

from __future__ import annotations

from django.http import Http404

from grc.scheduling import lease_cutoff
from mail.models import MailModel, MailModelTraining, MailType
from mail.perms import can_manage_mail_classifier

from .tasks import LEASE_SETTING, LIVE


def mail_model_overview(*, user) -> dict:
    """The current model (version, date, examples per type, cross-validated figures), the last versions and
    trainings, and the training in progress if any; 404 for anyone but functional admins."""
    if not can_manage_mail_classifier(user):
        raise Http404
    models = list(MailModel.objects.order_by("-version")[:10])
    trainings = list(MailModelTraining.objects.select_related("requested_by", "model").order_by("-requested_at")[:10])
    cutoff = lease_cutoff(LEASE_SETTING)
    live = next((t for t in trainings if t.status in LIVE and t.requested_at >= cutoff), None)
    for training in trainings:
        training.lost = training.status in LIVE and training.requested_at < cutoff
    current = models[0] if models else None
    names = dict(MailType.objects.values_list("code", "name"))
    examples = []
    if current is not None:
        per_type = (current.evaluation or {}).get("per_type", {})
        for code, count in sorted(current.examples.items(), key=lambda kv: names.get(kv[0], kv[0])):
            figures = per_type.get(code, {})
            examples.append(
                {
                    "code": code,
                    "name": names.get(code, code),
                    "count": count,
                    "precision": figures.get("precision"),
                    "recall": figures.get("recall"),
                }
            )
    evaluation = (current.evaluation or {}) if current else {}
    confusions = [
        {"truth": names.get(truth, truth), "predicted": names.get(predicted, predicted), "count": count}
        for truth, predicted, count in evaluation.get("confusions", [])
    ]
    return {
        "model": current,
        "models": models,
        "examples": examples,
        "routing": evaluation.get("routing"),
        "confusions": confusions,
        "left_out": sorted(((current.evaluation or {}).get("left_out") or {}).items()) if current else [],
        "trainings": trainings,
        "live": live,
    }
