"""Anomaly detection over the access log: the engine, incremental and idempotent; the detectors are registered.

Each ``AlertRule`` remembers the last access-log ``seq`` it analysed (``last_seq``); a run looks
at the rows after it (up to the log's current end), in batches, and hands them to the rule kind's
detector, which raises ``Alert`` rows keyed by (rule, subject, key) through ``alert_raise`` — the key is
the local day, the citizen or the emergency access — so the same rows never raise a second alert: a
later run on the same day adds its rows to the day's alert evidence instead. Thresholds live in
``AlertRule.params`` and are read through ``alert_rules.rule_params`` (a bad stored value falls back to
its default instead of stopping the run). Each rule runs on its own: one failing is recorded on the
rule (``last_run_*``, shown to the DPO) and the others still run. ``demo.seeders.audit`` and
``ensure_default_rules`` create the rules.

The access-log core knows no other app's tables: a detector is registered (``detector_register``) from
the ``AppConfig.ready`` of the app that sits at the layer of the data it compares — the DPO console
(``dpo.detectors``: volume, scope, emergency access, same name or address, off hours, memberships) and
privacy (``privacy.alerts``: mass export, which counts the people of an archive transfer). The helpers
below (local days, staff filters, a run's rows) are what those detectors share.

``membership``: every team membership created, changed or approved that opens social files (a file
role in a team holding files, ``grc.file_access``) is raised at the change by
``grc.services.memberships`` through ``membership_alert_raise`` (who did it, for whom, which team, who
approved), not by reading the access log. No other code path writes memberships
(``tests/grc/test_memberships.py`` checks it).
"""

from __future__ import annotations

import datetime
import logging
import zoneinfo
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef
from django.db.models.functions import TruncDate
from django.utils import timezone

from grc.models import Citizen, Membership, User

from .alert_rules import DEFAULTS, DESCRIPTIONS, stored_params_problems
from .models import AccessLog, Alert, AlertRule

logger = logging.getLogger(__name__)

Kind = AlertRule.Kind
EVIDENCE_MAX = 500
BATCH = 100_000


@dataclass
class RunSummary:
    rows: int = 0
    raised: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)  # rule kind -> exception class

    @property
    def total_raised(self) -> int:
        return sum(self.raised.values())


# detector(rule, lo, hi, summary): looks at the access-log rows with lo < seq <= hi, raises through alert_raise.
Detector = Callable[[AlertRule, int, int, RunSummary], None]
DETECTORS: dict[str, Detector] = {}
# Kinds whose detector also runs when no row was written since the last run (an emergency access is an
# event of its own, it does not wait for the log to grow).
RUN_WITHOUT_NEW_ROWS: set[str] = set()


def detector_register(kind: str, detector: Detector, *, without_new_rows: bool = False) -> None:
    """Declare the detector of rule ``kind`` (from an ``AppConfig.ready``); one detector per kind."""
    if kind not in Kind.values:
        raise ValueError(f"unknown alert rule kind {kind!r}")
    if DETECTORS.get(kind, detector) is not detector:
        raise ValueError(f"alert detector for {kind!r} registered twice")
    DETECTORS[kind] = detector
    if without_new_rows:
        RUN_WITHOUT_NEW_ROWS.add(kind)


def ensure_default_rules() -> list[AlertRule]:
    """Create the missing rules with their default thresholds (existing rules are left alone)."""
    rules = []
    for kind in Kind.values:
        rule, _ = AlertRule.objects.get_or_create(
            kind=kind, defaults={"params": dict(DEFAULTS[kind]), "description": DESCRIPTIONS[kind]}
        )
        rules.append(rule)
    return rules


# --- what the detectors share -----------------------------------------------------------------


def tz():
    return zoneinfo.ZoneInfo("Europe/Paris")


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The local day ``day`` as ``[start, end)``."""
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz())
    return start, start + datetime.timedelta(days=1)


def alert_raise(rule, subject_id, key, window, summary_text, seqs, summary: RunSummary) -> Alert:
    """Create the alert for (rule, subject, key), or add the new rows to the existing one."""
    seqs = sorted(set(seqs))
    alert = Alert.objects.filter(rule=rule, subject_id=subject_id, key=key).first()
    if alert is None:
        try:
            with transaction.atomic():
                alert = Alert.objects.create(
                    rule=rule,
                    subject_id=subject_id,
                    key=key,
                    window_start=window[0],
                    window_end=window[1],
                    summary=summary_text[:255],
                    evidence=seqs[:EVIDENCE_MAX],
                )
            summary.raised[rule.kind] = summary.raised.get(rule.kind, 0) + 1
            return alert
        except IntegrityError:  # raised concurrently by another run
            alert = Alert.objects.get(rule=rule, subject_id=subject_id, key=key)
    known = set(alert.evidence)
    new = [s for s in seqs if s not in known]
    if new:
        alert.evidence = sorted(known | set(new))[:EVIDENCE_MAX]
        alert.summary = summary_text[:255]
        alert.window_start = min(alert.window_start, window[0])
        alert.window_end = max(alert.window_end, window[1])
        alert.save(update_fields=["evidence", "summary", "window_start", "window_end"])
        summary.updated[rule.kind] = summary.updated.get(rule.kind, 0) + 1
    return alert


def staff_ids(ids) -> set[int]:
    """The staff users among ``ids`` (portal accounts and service accounts are never an alert's subject)."""
    return set(User.objects.filter(pk__in=ids, is_staff=True, is_service_account=False).values_list("pk", flat=True))


def log_rows(lo: int, hi: int):
    """The access-log rows of one batch of a run (``lo < seq <= hi``) that have an actor."""
    return AccessLog.objects.filter(seq__gt=lo, seq__lte=hi, actor_id__isnull=False)


def local_day():
    """The row's local day (Europe/Paris), to annotate as ``day``."""
    return TruncDate("at", tzinfo=tz())


def actor_days(lo, hi, actions) -> set[tuple[int, datetime.date]]:
    """``(actor, local day)`` of the batch's rows with one of ``actions``."""
    return set(log_rows(lo, hi).filter(action__in=actions).annotate(day=local_day()).values_list("actor_id", "day"))


def staff_by_day(pairs) -> dict[datetime.date, set[int]]:
    """``{day: staff users}`` from ``(actor, day)`` pairs: portal accounts and service accounts left out."""
    staff = staff_ids({a for a, _ in pairs})
    by_day = defaultdict(set)
    for actor_id, day in pairs:
        if actor_id in staff:
            by_day[day].add(actor_id)
    return by_day


def own_data_q():
    """The row is about the actor's own citizen record (a citizen, or an agent, acting on their own data)."""
    return Exists(Citizen.objects.filter(pk=OuterRef("citizen_id"), user_id=OuterRef("actor_id")))


# --- raising ----------------------------------------------------------------------------------


@transaction.atomic
def membership_alert_raise(
    *, membership: Membership, actor, change: str, files: int, history_id: int, requested_by=None
):
    """Alert the DPO that ``membership`` now opens ``files`` social files (``change``: what was done, in French).

    The subject is the person who gained access; the summary names who did it (and who asked, for
    an approved request), the team and the role. One alert per history row of the membership
    (key ``membership:<history id>``). Nothing is raised while the DPO has the rule switched off.
    """
    rule, _created = AlertRule.objects.get_or_create(
        kind=Kind.MEMBERSHIP,
        defaults={"params": dict(DEFAULTS[Kind.MEMBERSHIP]), "description": DESCRIPTIONS[Kind.MEMBERSHIP]},
    )
    if not rule.enabled:
        return None
    who = str(actor) if actor is not None else "commande d'administration"
    if requested_by is not None:
        who = f"{who} (à la demande de {requested_by})"
    text = (
        f"{who} : {change} — {membership.user} dans « {membership.team} » "
        f"({membership.get_role_display()}), {files} dossier(s) social(aux) accessible(s)"
    )
    now = timezone.now()
    return alert_raise(rule, membership.user_id, f"membership:{history_id}", (now, now), text, [], RunSummary())


def detect(*, progress: Callable[[int], None] | None = None, batch: int = BATCH) -> RunSummary:
    """Run every enabled rule over the access-log rows it has not analysed yet.

    Incremental (each rule's ``last_seq``) and idempotent (alerts are unique per rule, subject and
    key). Rules are locked while they run so two workers never analyse the same rows. Each rule runs
    on its own: a failure rolls back that rule's work (its rows are analysed again next time), is
    logged with the rule's kind and the exception's class only (never a message that could hold
    personal data) and is recorded on the rule for the DPO; the following rules still run.
    """
    summary = RunSummary()
    end = AccessLog.objects.aggregate(m=Max("seq"))["m"] or 0
    for rule_pk, kind in AlertRule.objects.filter(enabled=True).order_by("kind").values_list("pk", "kind"):
        try:
            with transaction.atomic():
                rule = AlertRule.objects.select_for_update(skip_locked=True).filter(pk=rule_pk).first()
                if rule is None:
                    continue
                _run_rule(rule, end, batch, progress, summary)
        except Exception as exc:
            # No traceback or message: an exception's text can quote the data it failed on.
            logger.error("Anomaly rule %s failed: %s", kind, type(exc).__name__)
            summary.raised.pop(kind, None)  # rolled back with the rule's transaction
            summary.updated.pop(kind, None)
            summary.failed[kind] = type(exc).__name__
            AlertRule.objects.filter(pk=rule_pk).update(
                last_run_at=timezone.now(),
                last_run_ok=False,
                last_run_message=(
                    f"Échec de la détection ({type(exc).__name__}) : les enregistrements non analysés seront "
                    "repris à la prochaine détection ; si l'échec se répète, prévenez l'équipe technique."
                ),
            )
    return summary


def _run_rule(rule: AlertRule, end: int, batch: int, progress, summary: RunSummary) -> None:
    """One locked rule over its rows ``last_seq < seq <= end``, then its position and last run recorded."""
    kind = rule.kind
    raised_before = summary.raised.get(kind, 0)
    lo = start = rule.last_seq
    while lo < end:
        hi = min(lo + batch, end)
        DETECTORS[kind](rule, lo, hi, summary)
        if progress:
            progress(hi - lo)
        summary.rows = max(summary.rows, end - rule.last_seq)
        lo = hi
    if kind in RUN_WITHOUT_NEW_ROWS and lo >= end and rule.last_seq == end:
        DETECTORS[kind](rule, lo, end, summary)
    raised = summary.raised.get(kind, 0) - raised_before
    message = " ".join(
        [
            f"{max(end - start, 0)} enregistrement(s) analysé(s), {raised} alerte(s) levée(s).",
            *stored_params_problems(rule),
        ]
    )
    AlertRule.objects.filter(pk=rule.pk).update(
        last_seq=end, last_run_at=timezone.now(), last_run_ok=True, last_run_message=message
    )
