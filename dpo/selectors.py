"""Reads of the DPO console: alerts and their rules, the change history, the state of the log's verifications.

Every function taking the user returns nothing (``Http404``) unless ``perms.require_dpo`` lets them in.
The access log itself is read through ``grc.audit.selectors`` (same rule). Rules hold thresholds, no
personal data: reading them is not logged; the views log the DPO's reads of alerts and history.
"""

from __future__ import annotations

import datetime
import heapq
from dataclasses import dataclass

from django.db import models
from django.http import Http404

from grc.audit.models import AccessLog, Alert, AlertRule, LogVerification
from grc.audit.selectors import LIST_FIELDS
from grc.audit.verify import VERIFY_LEASE
from grc.models import User
from grc.scheduling import lease_cutoff

from . import history
from .history import Cursor, HistoryEntry
from .perms import require_dpo

Kind = AlertRule.Kind


# --- alerts and their rules -------------------------------------------------------------------


@dataclass
class DetectionStatus:
    """What the DPO sees of the detection runs: the last one, and the enabled rules whose run failed."""

    last_run_at: datetime.datetime | None
    failed: list[AlertRule]


def detection_status(rules) -> DetectionStatus:
    """From rules already loaded (no query of its own)."""
    enabled = [r for r in rules if r.enabled]
    runs = [r.last_run_at for r in enabled if r.last_run_at]
    return DetectionStatus(last_run_at=max(runs, default=None), failed=[r for r in enabled if r.last_run_ok is False])


def alert_rules_for(*, user) -> list[AlertRule]:
    """Every rule, for the DPO (else ``Http404``). Rules hold thresholds, no personal data: not logged."""
    require_dpo(user)
    return list(AlertRule.objects.order_by("kind"))


def alert_rule_get(*, user, kind: str) -> AlertRule:
    """One rule by kind, for the DPO (else ``Http404``)."""
    require_dpo(user)
    if kind not in Kind.values:
        raise Http404
    rule = AlertRule.objects.filter(kind=kind).first()
    if rule is None:
        raise Http404
    return rule


def alerts_for(*, user, status: str = ""):
    """Alerts, newest first, optionally of one status, with their rule (one query per page)."""
    require_dpo(user)
    qs = Alert.objects.select_related("rule").order_by("-created_at", "-id")
    if status:
        qs = qs.filter(status=status)
    return qs


def alert_get(*, user, pk: int) -> Alert:
    """One alert with its rule and owner (``Http404`` if absent)."""
    require_dpo(user)
    try:
        return Alert.objects.select_related("rule", "owner").get(pk=pk)
    except Alert.DoesNotExist:
        raise Http404 from None


def alert_evidence(*, user, alert: Alert) -> list[AccessLog]:
    """The access-log rows behind an alert (by seq; purged rows are simply absent)."""
    require_dpo(user)
    seqs = [int(s) for s in alert.evidence[:500]]
    return list(AccessLog.objects.only(*LIST_FIELDS).filter(seq__in=seqs).order_by("seq"))


def verification_stalled(run: LogVerification, now: datetime.datetime | None = None) -> bool:
    """``run`` was asked for or started longer than its lease ago and never finished."""
    return run.finished_at is None and run.started_at < lease_cutoff(VERIFY_LEASE, now)


# --- the change history -----------------------------------------------------------------------


def history_subject_get(*, user, pk: int) -> User:
    """Any account, staff or not, whose changes the DPO looks at in the change history (404 if none)."""
    require_dpo(user)
    try:
        return User.objects.get(pk=pk)
    except User.DoesNotExist:
        raise Http404 from None


def object_history(*, user, model_label: str, pk, limit: int = 200) -> list[HistoryEntry]:
    """The changes of one object, newest first (bounded), with diffs; for a citizen, its merges too."""
    require_dpo(user)
    model = history.model_by_label(model_label)
    hist = model.history.model
    pk_name = model._meta.pk.attname
    records = list(hist.objects.filter(**{pk_name: pk}).order_by("history_date", "history_id")[:limit])
    entries = []
    prev = None
    for record in records:
        entries.append(history.entry_of(model, record, prev))
        prev = record
    if model_label == "grc.citizen":
        entries += history.merge_entries(pk, limit)
    entries.sort(key=lambda e: e.date, reverse=True)
    return entries[:limit]


def user_history(
    *, user, subject_id: int, after: Cursor | None = None, page_size: int = 25
) -> tuple[list[HistoryEntry], Cursor | None]:
    """Changes made by one user across every history model, newest first, one keyset page.

    One bounded query per history model (``history_user`` index, at most ``page_size`` rows), then
    a merge; returns the page and the cursor for the next one. Entries are ordered by (date, model,
    history id), and the cursor holds all three: changes sharing a date across a page break (one
    save touching several models) are neither skipped nor repeated.
    """
    require_dpo(user)
    candidates = []
    for model in history.history_models():
        label = model._meta.label_lower
        qs = model.history.model.objects.filter(history_user_id=subject_id)
        if after is not None:
            date, after_label, history_id = after
            if label < after_label:
                qs = qs.filter(history_date__lte=date)
            elif label == after_label:
                qs = qs.filter(
                    models.Q(history_date__lt=date) | models.Q(history_date=date, history_id__lt=history_id)
                )
            else:
                qs = qs.filter(history_date__lt=date)
        for record in qs.order_by("-history_date", "-history_id")[: page_size + 1]:
            candidates.append((record.history_date, label, record.history_id, model, record))
    top = heapq.nlargest(page_size + 1, candidates, key=lambda c: (c[0], c[1], c[2]))
    has_more = len(top) > page_size
    top = top[:page_size]
    entries = []
    for _date, _label, _hid, model, record in top:
        entries.extend(history.entries_of(model, [record]))
    cursor = top[-1][:3] if has_more and top else None
    return entries, cursor
