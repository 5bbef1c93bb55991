"""Anomaly detection over the access log: configurable rules, incremental and idempotent.

Each ``AlertRule`` remembers the last access-log ``seq`` it analysed (``last_seq``); a run looks
at the rows after it (up to the log's current end), in batches, and raises ``Alert`` rows keyed by
(rule, subject, key) — the key is the local day, the citizen or the emergency access — so the
same rows never raise a second alert: a later run on the same day adds its rows to the day's
alert evidence instead. Thresholds live in ``AlertRule.params`` (defaults below, editable in the
Django admin or the shell; ``demo.seed`` and ``ensure_default_rules`` create the rules).

Rules and what they compare (days are local days, Europe/Paris):

- ``volume_self``: distinct citizens whose files a staff user read in a day, against the same
  user's active days of the previous ``baseline_days``: fires when the count is at least
  ``min_reads`` and its z-score is at least ``z`` (needs ``min_baseline_days`` active days).
- ``volume_team``: the same count against the median of the other members of the user's current
  teams that day: fires at ``min_reads`` and ``factor`` × the median (at least ``min_peers`` peers).
- ``out_of_scope``: reads of a social file (file, timeline, notes, documents) when none of these
  holds: an accompaniment of the file by one of the reader's current teams; the file in the
  territory of one of those teams; a sharing grant to the reader or their team; the reader a file
  member; an emergency access of the reader on that file (that one has its own rule).
- ``emergency``: every emergency access (bris de glace), with the reader's rows during it.
- ``same_name``: a staff user reading a citizen whose normalised birth or usage name equals the
  user's own normalised last name (``User.last_name``), or — when the user has a citizen record of
  their own (``Citizen.user``) — a citizen with a current address at the same normalised street line
  and postcode as the user's own current address. Staff have no declared address otherwise.
- ``off_hours``: at least ``min_rows`` reads by a staff user (not a service account) in a local day
  between ``night_start`` and ``night_end`` o'clock, or on a Saturday or Sunday (``weekends``).
- ``mass_export``: at least ``max_per_day`` export rows (``export``, ``dpo.export``,
  ``citizen.download``, ``retention.export``) by one user in a local day.
"""

from __future__ import annotations

import datetime
import statistics
import zoneinfo
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncDate
from django.utils import timezone

from grc.matching import normalise_name
from grc.models import Address, Citizen, Membership, User
from grc.perms import membership_current_q

from .models import AccessLog, Alert, AlertRule

Kind = AlertRule.Kind
A = AccessLog.Action

FILE_ACTIONS = [
    A.FILE_VIEW,
    A.FILE_TIMELINE,
    A.FILE_NOTES,
    A.NOTE_VIEW,
    A.FILE_DOCUMENTS,
    A.DOCUMENT_DOWNLOAD,
]
READ_ACTIONS = [*FILE_ACTIONS, A.CITIZEN_VIEW, A.CITIZEN_HISTORY_VIEW]
EXPORT_ACTIONS = [A.EXPORT, A.DPO_LOG_EXPORT, A.CITIZEN_DATA_DOWNLOAD, A.RETENTION_EXPORT]
EVIDENCE_MAX = 500
BATCH = 100_000

DEFAULTS: dict[str, dict] = {
    Kind.VOLUME_SELF: {"min_reads": 20, "z": 3.0, "baseline_days": 30, "min_baseline_days": 5},
    Kind.VOLUME_TEAM: {"min_reads": 20, "factor": 3.0, "min_peers": 2},
    Kind.OUT_OF_SCOPE: {"min_rows": 1},
    Kind.EMERGENCY: {"lookback_days": 30},
    Kind.SAME_NAME: {"names": True, "addresses": True},
    Kind.OFF_HOURS: {"night_start": 20, "night_end": 7, "weekends": True, "min_rows": 3},
    Kind.MASS_EXPORT: {"max_per_day": 10},
}
DESCRIPTIONS = {
    Kind.VOLUME_SELF: "Lectures de dossiers (usagers distincts par jour) très au-dessus des habitudes de l'agent "
    "sur 30 jours (score z).",
    Kind.VOLUME_TEAM: "Lectures de dossiers très au-dessus de la médiane de son équipe le même jour.",
    Kind.OUT_OF_SCOPE: "Lecture d'un dossier qui n'est suivi ni par ses équipes, ni sur son territoire, "
    "sans partage ni accès d'urgence.",
    Kind.EMERGENCY: "Chaque accès d'urgence (bris de glace).",
    Kind.SAME_NAME: "Lecture de la fiche d'un homonyme (même nom que l'agent) ou d'un voisin (même adresse que "
    "la fiche usager de l'agent).",
    Kind.OFF_HOURS: "Lectures la nuit (20 h - 7 h) ou le week-end.",
    Kind.MASS_EXPORT: "Nombre d'exports par jour au-delà du seuil.",
}


def tz():
    return zoneinfo.ZoneInfo("Europe/Paris")


def ensure_default_rules() -> list[AlertRule]:
    """Create the missing rules with their default thresholds (existing rules are left alone)."""
    rules = []
    for kind in Kind.values:
        rule, _ = AlertRule.objects.get_or_create(
            kind=kind, defaults={"params": dict(DEFAULTS[kind]), "description": DESCRIPTIONS[kind]}
        )
        rules.append(rule)
    return rules


def _params(rule: AlertRule) -> dict:
    return {**DEFAULTS[rule.kind], **(rule.params or {})}


def _day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz())
    return start, start + datetime.timedelta(days=1)


@dataclass
class RunSummary:
    rows: int = 0
    raised: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    @property
    def total_raised(self) -> int:
        return sum(self.raised.values())


def _raise(rule, subject_id, key, window, summary_text, seqs, summary: RunSummary) -> Alert:
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


def _staff_ids(ids) -> set[int]:
    return set(User.objects.filter(pk__in=ids, is_staff=True, is_service_account=False).values_list("pk", flat=True))


def _rows(lo: int, hi: int):
    return AccessLog.objects.filter(seq__gt=lo, seq__lte=hi, actor_id__isnull=False)


def _local_day():
    return TruncDate("at", tzinfo=tz())


def _actor_days(lo, hi, actions) -> set[tuple[int, datetime.date]]:
    return set(_rows(lo, hi).filter(action__in=actions).annotate(day=_local_day()).values_list("actor_id", "day"))


def _daily_distinct(actor_ids, since, until, actions) -> dict[tuple[int, datetime.date], int]:
    rows = (
        AccessLog.objects.filter(actor_id__in=actor_ids, at__gte=since, at__lt=until, action__in=actions)
        .annotate(day=_local_day())
        .values("actor_id", "day")
        .annotate(n=Count("citizen_id", distinct=True))
    )
    return {(r["actor_id"], r["day"]): r["n"] for r in rows}


def _day_seqs(actor_id, day, actions, extra: Q | None = None) -> list[int]:
    start, end = _day_bounds(day)
    qs = AccessLog.objects.filter(actor_id=actor_id, at__gte=start, at__lt=end, action__in=actions)
    if extra is not None:
        qs = qs.filter(extra)
    return list(qs.order_by("seq").values_list("seq", flat=True)[:EVIDENCE_MAX])


# --- rules ------------------------------------------------------------------------------------


def _candidates_by_day(rule, lo, hi) -> dict:
    """{day: {actor: distinct citizens read that day}} for staff with new file reads and at least
    ``min_reads`` that day (one grouped query per day)."""
    p = _params(rule)
    by_day = defaultdict(set)
    pairs = _actor_days(lo, hi, FILE_ACTIONS)
    staff = _staff_ids({a for a, _ in pairs})
    for actor_id, day in pairs:
        if actor_id in staff:
            by_day[day].add(actor_id)
    result = {}
    for day, actors in sorted(by_day.items()):
        start, end = _day_bounds(day)
        counts = _daily_distinct(actors, start, end, FILE_ACTIONS)
        kept = {a: n for (a, d), n in counts.items() if d == day and n >= p["min_reads"]}
        if kept:
            result[day] = kept
    return result


def detect_volume_self(rule, lo, hi, summary):
    p = _params(rule)
    for day, today_counts in _candidates_by_day(rule, lo, hi).items():
        start, end = _day_bounds(day)
        # One grouped query for every candidate's baseline days.
        history = defaultdict(list)
        baseline = _daily_distinct(
            list(today_counts), start - datetime.timedelta(days=p["baseline_days"]), start, FILE_ACTIONS
        )
        for (actor_id, _day), n in baseline.items():
            history[actor_id].append(n)
        for actor_id, today in sorted(today_counts.items()):
            counts = history.get(actor_id, [])
            if len(counts) < p["min_baseline_days"]:
                continue
            mean = statistics.fmean(counts)
            std = statistics.pstdev(counts)
            score = (today - mean) / max(std, 1.0)
            if score >= p["z"]:
                text = (
                    f"{today} dossiers lus le {day:%d/%m/%Y} (habituellement {mean:.1f} ± {std:.1f} ; z = {score:.1f})"
                )
                seqs = _day_seqs(actor_id, day, FILE_ACTIONS)
                _raise(rule, actor_id, f"day:{day}", (start, end), text, seqs, summary)


def _current_teams(user_ids, day) -> dict[int, set[int]]:
    teams = defaultdict(set)
    for user_id, team_id in Membership.objects.filter(membership_current_q(on=day), user_id__in=user_ids).values_list(
        "user_id", "team_id"
    ):
        teams[user_id].add(team_id)
    return teams


def detect_volume_team(rule, lo, hi, summary):
    p = _params(rule)
    for day, today_counts in _candidates_by_day(rule, lo, hi).items():
        start, end = _day_bounds(day)
        teams_of = _current_teams(list(today_counts), day)
        all_teams = set().union(*teams_of.values()) if teams_of else set()
        members = defaultdict(set)
        for user_id, team_id in Membership.objects.filter(
            membership_current_q(on=day), team_id__in=all_teams
        ).values_list("user_id", "team_id"):
            members[team_id].add(user_id)
        everyone = set().union(*members.values()) if members else set()
        counts = _daily_distinct(list(everyone), start, end, FILE_ACTIONS)
        for actor_id, today in sorted(today_counts.items()):
            peers = set().union(*(members[t] for t in teams_of.get(actor_id, ()))) - {actor_id}
            if len(peers) < p["min_peers"]:
                continue
            median = statistics.median([counts.get((peer, day), 0) for peer in peers])
            if today >= p["factor"] * max(median, 1):
                text = f"{today} dossiers lus le {day:%d/%m/%Y} ; médiane de l'équipe : {median:g}"
                seqs = _day_seqs(actor_id, day, FILE_ACTIONS)
                _raise(rule, actor_id, f"day:{day}", (start, end), text, seqs, summary)


def _in_scope_q():
    """Annotations telling whether the row's reader may ordinarily read the row's citizen's file."""
    from dossier_unique.models import Accompaniment, EmergencyAccess, FileMember, SharingGrant, SocialFile

    reader_teams = Membership.objects.filter(user_id=OuterRef(OuterRef("actor_id")), end_date__isnull=True).values(
        "team_id"
    )
    reader_territories = Membership.objects.filter(
        user_id=OuterRef(OuterRef("actor_id")), end_date__isnull=True, team__territory__isnull=False
    ).values("team__territory_id")
    citizen = OuterRef("citizen_id")
    return (
        Exists(Accompaniment.objects.filter(file__citizen_id=citizen, team_id__in=reader_teams))
        | Exists(SocialFile.objects.filter(citizen_id=citizen, territory_id__in=reader_territories))
        | Exists(
            SharingGrant.objects.filter(file__citizen_id=citizen).filter(
                Q(grantee_user_id=OuterRef("actor_id")) | Q(grantee_team_id__in=reader_teams)
            )
        )
        | Exists(FileMember.objects.filter(file__citizen_id=citizen, user_id=OuterRef("actor_id")))
        | Exists(EmergencyAccess.objects.filter(file__citizen_id=citizen, user_id=OuterRef("actor_id")))
    )


def detect_out_of_scope(rule, lo, hi, summary):
    p = _params(rule)
    rows = (
        _rows(lo, hi)
        .filter(action__in=FILE_ACTIONS, citizen_id__isnull=False)
        .annotate(in_scope=_in_scope_q(), day=_local_day())
        .filter(in_scope=False)
        .values_list("actor_id", "day", "seq", "citizen_id")
    )
    grouped = defaultdict(list)
    for actor_id, day, seq, citizen_id in rows:
        grouped[(actor_id, day)].append((seq, citizen_id))
    staff = _staff_ids({a for a, _ in grouped})
    for (actor_id, day), items in sorted(grouped.items()):
        if actor_id not in staff or len(items) < p["min_rows"]:
            continue
        citizens = {c for _, c in items}
        text = f"{len(items)} lecture(s) de {len(citizens)} dossier(s) hors de ses équipes et de son territoire"
        _raise(rule, actor_id, f"day:{day}", _day_bounds(day), text, [s for s, _ in items], summary)


def detect_emergency(rule, lo, hi, summary):
    from dossier_unique.models import EmergencyAccess

    p = _params(rule)
    since = timezone.now() - datetime.timedelta(days=p["lookback_days"])
    known = set(Alert.objects.filter(rule=rule, key__startswith="emergency:").values_list("key", flat=True))
    for access in EmergencyAccess.objects.filter(started_at__gte=since).select_related("file").order_by("pk"):
        key = f"emergency:{access.pk}"
        end = access.ended_at or access.expires_at
        seqs = list(
            AccessLog.objects.filter(
                actor_id=access.user_id, citizen_id=access.file.citizen_id, at__gte=access.started_at, at__lte=end
            )
            .order_by("seq")
            .values_list("seq", flat=True)[:EVIDENCE_MAX]
        )
        if key in known and not seqs:
            continue
        text = f"Accès d'urgence n° {access.pk} au dossier n° {access.file_id}"
        _raise(rule, access.user_id, key, (access.started_at, end), text, seqs, summary)


def detect_same_name(rule, lo, hi, summary):
    p = _params(rule)
    pairs = defaultdict(list)
    for actor_id, citizen_id, seq in (
        _rows(lo, hi)
        .filter(action__in=READ_ACTIONS, citizen_id__isnull=False)
        .values_list("actor_id", "citizen_id", "seq")
    ):
        pairs[(actor_id, citizen_id)].append(seq)
    if not pairs:
        return
    actors = {
        u.pk: u
        for u in User.objects.filter(pk__in={a for a, _ in pairs}, is_staff=True, is_service_account=False).only(
            "pk", "last_name"
        )
    }
    citizen_ids = {c for a, c in pairs if a in actors}
    names = {
        pk: {n for n in (birth, usage) if n}
        for pk, birth, usage in Citizen.objects.filter(pk__in=citizen_ids).values_list(
            "pk", "norm_birth_name", "norm_usage_name"
        )
    }

    def addr_key(line1, postcode):
        return (normalise_name(line1), postcode.strip())

    own_address = defaultdict(set)
    if p["addresses"]:
        for user_id, line1, postcode in Address.objects.filter(
            citizen__user_id__in=actors, end_date__isnull=True
        ).values_list("citizen__user_id", "line1", "postcode"):
            own_address[user_id].add(addr_key(line1, postcode))
    citizen_address = defaultdict(set)
    if own_address:
        for citizen_id, line1, postcode in Address.objects.filter(
            citizen_id__in=citizen_ids, end_date__isnull=True
        ).values_list("citizen_id", "line1", "postcode"):
            citizen_address[citizen_id].add(addr_key(line1, postcode))
    own_citizen = dict(Citizen.objects.filter(user_id__in=actors).values_list("user_id", "pk"))
    for (actor_id, citizen_id), seqs in sorted(pairs.items()):
        actor = actors.get(actor_id)
        if actor is None or own_citizen.get(actor_id) == citizen_id:
            continue
        reasons = []
        last = normalise_name(actor.last_name or "")
        if p["names"] and last and last in names.get(citizen_id, set()):
            reasons.append("même nom que l'agent")
        if own_address.get(actor_id) and own_address[actor_id] & citizen_address.get(citizen_id, set()):
            reasons.append("même adresse que l'agent")
        if reasons:
            at = AccessLog.objects.filter(seq=seqs[0]).values_list("at", flat=True).first() or timezone.now()
            text = f"Lecture de la fiche usager n° {citizen_id} : " + ", ".join(reasons)
            _raise(rule, actor_id, f"citizen:{citizen_id}", (at, at), text, seqs, summary)


def detect_off_hours(rule, lo, hi, summary):
    p = _params(rule)
    off = Q(hour__gte=p["night_start"]) | Q(hour__lt=p["night_end"])
    if p["weekends"]:
        off |= Q(weekday__gte=6)
    rows = (
        _rows(lo, hi)
        .exclude(action__in=[A.CITIZEN_SELF_VIEW, A.CITIZEN_DATA_DOWNLOAD])
        .annotate(hour=ExtractHour("at", tzinfo=tz()), weekday=ExtractIsoWeekDay("at", tzinfo=tz()), day=_local_day())
        .filter(off)
        .values_list("actor_id", "day")
        .distinct()
    )
    pairs = sorted(set(rows))
    staff = _staff_ids({a for a, _ in pairs})
    for actor_id, day in pairs:
        if actor_id not in staff:
            continue
        start, end = _day_bounds(day)
        seqs = list(
            AccessLog.objects.filter(actor_id=actor_id, at__gte=start, at__lt=end)
            .exclude(action__in=[A.CITIZEN_SELF_VIEW, A.CITIZEN_DATA_DOWNLOAD])
            .annotate(hour=ExtractHour("at", tzinfo=tz()), weekday=ExtractIsoWeekDay("at", tzinfo=tz()))
            .filter(off)
            .order_by("seq")
            .values_list("seq", flat=True)[:EVIDENCE_MAX]
        )
        if len(seqs) >= p["min_rows"]:
            when = "le week-end" if day.isoweekday() >= 6 else "la nuit"
            text = f"{len(seqs)} consultation(s) {when} le {day:%d/%m/%Y}"
            _raise(rule, actor_id, f"day:{day}", (start, end), text, seqs, summary)


def detect_mass_export(rule, lo, hi, summary):
    p = _params(rule)
    for actor_id, day in sorted(_actor_days(lo, hi, EXPORT_ACTIONS)):
        seqs = _day_seqs(actor_id, day, EXPORT_ACTIONS)
        if len(seqs) >= p["max_per_day"]:
            text = f"{len(seqs)} export(s) le {day:%d/%m/%Y} (seuil : {p['max_per_day']})"
            _raise(rule, actor_id, f"day:{day}", _day_bounds(day), text, seqs, summary)


DETECTORS: dict[str, Callable] = {
    Kind.VOLUME_SELF: detect_volume_self,
    Kind.VOLUME_TEAM: detect_volume_team,
    Kind.OUT_OF_SCOPE: detect_out_of_scope,
    Kind.EMERGENCY: detect_emergency,
    Kind.SAME_NAME: detect_same_name,
    Kind.OFF_HOURS: detect_off_hours,
    Kind.MASS_EXPORT: detect_mass_export,
}


def detect(*, progress: Callable[[int], None] | None = None, batch: int = BATCH) -> RunSummary:
    """Run every enabled rule over the access-log rows it has not analysed yet.

    Incremental (each rule's ``last_seq``) and idempotent (alerts are unique per rule, subject and
    key). Rules are locked while they run so two workers never analyse the same rows.
    """
    summary = RunSummary()
    end = AccessLog.objects.aggregate(m=Max("seq"))["m"] or 0
    for rule_pk in AlertRule.objects.filter(enabled=True).order_by("kind").values_list("pk", flat=True):
        with transaction.atomic():
            rule = AlertRule.objects.select_for_update(skip_locked=True).filter(pk=rule_pk).first()
            if rule is None:
                continue
            lo = rule.last_seq
            while lo < end:
                hi = min(lo + batch, end)
                DETECTORS[rule.kind](rule, lo, hi, summary)
                if progress:
                    progress(hi - lo)
                summary.rows = max(summary.rows, end - rule.last_seq)
                lo = hi
            if rule.kind == Kind.EMERGENCY and lo >= end and rule.last_seq == end:
                DETECTORS[rule.kind](rule, lo, end, summary)  # emergency accesses do not wait for new rows
            AlertRule.objects.filter(pk=rule.pk).update(last_seq=end)
    return summary
