"""Anomaly detection over the access log: configurable rules, incremental and idempotent.

Each ``AlertRule`` remembers the last access-log ``seq`` it analysed (``last_seq``); a run looks
at the rows after it (up to the log's current end), in batches, and raises ``Alert`` rows keyed by
(rule, subject, key) — the key is the local day, the citizen or the emergency access — so the
same rows never raise a second alert: a later run on the same day adds its rows to the day's
alert evidence instead. Thresholds live in ``AlertRule.params``; ``SCHEMA`` below defines each
kind's thresholds (type, default, bounds, French label) once: the DPO's form (``backoffice/views/
dpo_rules.py``), the admin and ``detect`` all validate through it, and a bad stored value falls back to
its default instead of stopping the run. Each rule runs on its own: one failing is recorded on the
rule (``last_run_*``, shown to the DPO) and the others still run. ``demo.seed`` and
``ensure_default_rules`` create the rules.

Scope and volume are evaluated at the time of each read (the access-log row's ``at``): a grant,
accompaniment, file membership, team membership or emergency access counts only while it was valid.

Rules and what they compare (days are local days, Europe/Paris):

- ``volume_self``: distinct citizens whose data a staff user read in a day (social files, citizen
  records and their history, requests and their attachments, mail items and scans, API reads —
  ``PERSON_READ_ACTIONS``; not identity matching or searches), against the same user's active days of
  the previous ``baseline_days``: fires when the count is at least
  ``min_reads`` and its z-score is at least ``z`` (needs ``min_baseline_days`` active days).
- ``volume_team``: the same count against the median of the other members of the user's current
  teams that day: fires at ``min_reads`` and ``factor`` × the median (at least ``min_peers`` peers).
- ``out_of_scope``: reads of a social file (file, timeline, notes, documents) when none of these
  held at the time of the read: an accompaniment of the file by one of the reader's teams of that
  day; the file in the territory of one of those teams; an unexpired, unrevoked sharing grant to the
  reader or their team; the reader a file member; an emergency access of the reader on that file
  (that one has its own rule).
- ``emergency``: every emergency access (bris de glace), with the reader's rows during it.
- ``same_name``: a staff user reading a citizen whose normalised birth or usage name equals the
  user's own normalised last name (``User.last_name``), or — when the user has a citizen record of
  their own (``Citizen.user``) — a citizen with a current address at the same normalised street line
  and postcode as the user's own current address. Staff have no declared address otherwise.
- ``off_hours``: at least ``min_rows`` reads by a staff user (not a service account) in a local day
  between ``night_start`` and ``night_end`` o'clock, or on a Saturday or Sunday (``weekends``).
- ``mass_export``: by one staff user in a local day, at least ``max_per_day`` exports (``export``,
  ``dpo.export``, ``retention.export`` — one archive transfer logs one row per person but is one
  export) or at least ``max_items_per_day`` people or records exported (the persons of a transfer,
  the ``item_count`` of a downloaded transfer; the DPO's CSV export does not log its row count).
  A citizen acting on their own data (portal download, a staff member's own record) is never counted.
- ``membership``: every team membership created, changed or approved that opens social files
  (a file role in a team holding files, ``grc.file_access``). Raised at the change by
  ``grc.services.memberships`` through ``membership_alert_raise`` (who did it, for whom, which team,
  who approved), not by reading the access log: ``detect`` has nothing to do for it. No other code
  path writes memberships (``tests/grc/test_memberships.py`` checks it).
"""

from __future__ import annotations

import datetime
import logging
import math
import statistics
import zoneinfo
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncDate
from django.http import Http404
from django.utils import timezone

from grc.history import save_tracked
from grc.matching import normalise_name
from grc.models import Address, Citizen, Membership, User
from grc.perms import membership_current_q

from .models import AccessLog, Alert, AlertRule
from .perms import can_use_dpo_console

logger = logging.getLogger(__name__)

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
# What the volume rules count: every read of one person's data by an agent, whatever the screen.
# Left out on purpose: identity matching and duplicate review (``citizen.match``, ``suspicion.view``:
# many identities by design), searches and the opening of a result (the page it opens is counted),
# queues (no person), the DPO's own reads, and citizens reading their own data.
PERSON_READ_ACTIONS = [
    *READ_ACTIONS,
    A.REQUEST_VIEW,
    A.REQUEST_ATTACHMENT_DOWNLOAD,
    A.MAIL_VIEW,
    A.MAIL_SCAN_VIEW,
    A.API_READ,
]
EXPORT_ACTIONS = [A.EXPORT, A.DPO_LOG_EXPORT, A.CITIZEN_DATA_DOWNLOAD, A.RETENTION_EXPORT]
EVIDENCE_MAX = 500
BATCH = 100_000


# --- thresholds: one definition for the form, the admin and the detection ----------------------


@dataclass(frozen=True)
class Threshold:
    """One threshold of a rule: its type, default, bounds and what the DPO reads about it."""

    name: str
    type: type  # int, float or bool
    default: int | float | bool
    label: str
    help_text: str
    min: float | None = None
    max: float | None = None
    above: float | None = None  # exclusive lower bound (a factor must be more than 1)

    def check(self, value):
        """The value if it is valid for this threshold, else ``ValueError`` with a French message."""
        if self.type is bool:
            if not isinstance(value, bool):
                raise ValueError("Valeur attendue : oui ou non.")
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError("Saisissez un nombre." if self.type is float else "Saisissez un nombre entier.")
        if self.type is int:
            if isinstance(value, float):
                if not value.is_integer():
                    raise ValueError("Saisissez un nombre entier.")
                value = int(value)
        else:
            if not math.isfinite(value):
                raise ValueError("Saisissez un nombre.")
            value = float(value)
        if self.above is not None and value <= self.above:
            raise ValueError(f"Saisissez un nombre supérieur à {self.above:g}.")
        if self.min is not None and value < self.min:
            raise ValueError(f"Saisissez un nombre supérieur ou égal à {self.min:g}.")
        if self.max is not None and value > self.max:
            raise ValueError(f"Saisissez un nombre inférieur ou égal à {self.max:g}.")
        return value


def _count(name, default, label, help_text, *, upper=100_000):
    return Threshold(name, int, default, label, help_text, min=1, max=upper)


def _days(name, default, label, help_text):
    return Threshold(name, int, default, label, help_text + " Entre 1 et 365 jours.", min=1, max=365)


def _hour(name, default, label, help_text):
    return Threshold(name, int, default, label, help_text + " Heure de 0 à 23.", min=0, max=23)


SCHEMA: dict[str, tuple[Threshold, ...]] = {
    Kind.VOLUME_SELF: (
        _count(
            "min_reads",
            20,
            "Usagers distincts consultés par jour, au minimum",
            "En dessous, aucune alerte, quel que soit l'écart aux habitudes.",
        ),
        Threshold(
            "z",
            float,
            3.0,
            "Écart aux habitudes (score z)",
            "Nombre d'écarts types au-dessus de la moyenne de l'agent ; plus il est grand, moins d'alertes. "
            "Entre 0,5 et 20.",
            min=0.5,
            max=20,
        ),
        _days("baseline_days", 30, "Période de référence (jours)", "Jours précédents qui forment les habitudes."),
        _days(
            "min_baseline_days",
            5,
            "Jours d'activité nécessaires dans la période de référence",
            "Un agent qui a moins de jours d'activité n'est pas comparé à lui-même.",
        ),
    ),
    Kind.VOLUME_TEAM: (
        _count(
            "min_reads",
            20,
            "Usagers distincts consultés par jour, au minimum",
            "En dessous, aucune alerte, quel que soit l'écart à l'équipe.",
        ),
        Threshold(
            "factor",
            float,
            3.0,
            "Multiple de la médiane de l'équipe",
            "L'alerte est levée à partir de ce multiple de la médiane des collègues le même jour. "
            "Plus de 1, au plus 100.",
            above=1,
            max=100,
        ),
        _count(
            "min_peers",
            2,
            "Collègues nécessaires à la comparaison",
            "Une équipe plus petite ne sert pas de référence.",
            upper=1000,
        ),
    ),
    Kind.OUT_OF_SCOPE: (
        _count(
            "min_rows",
            1,
            "Lectures hors périmètre par jour, au minimum",
            "1 : la moindre lecture hors périmètre lève une alerte.",
        ),
    ),
    Kind.EMERGENCY: (
        _days(
            "lookback_days",
            30,
            "Accès d'urgence examinés (jours en arrière)",
            "Les accès d'urgence commencés dans cette période sont repris à chaque détection.",
        ),
    ),
    Kind.SAME_NAME: (
        Threshold("names", bool, True, "Homonymes", "Alerte quand l'agent lit la fiche d'une personne de son nom."),
        Threshold(
            "addresses",
            bool,
            True,
            "Voisins",
            "Alerte quand l'agent lit la fiche d'une personne à l'adresse de sa propre fiche usager.",
        ),
    ),
    Kind.OFF_HOURS: (
        _hour("night_start", 20, "Début de la nuit", "Les lectures à partir de cette heure comptent."),
        _hour("night_end", 7, "Fin de la nuit", "Les lectures avant cette heure comptent."),
        Threshold("weekends", bool, True, "Week-end", "Les lectures du samedi et du dimanche comptent."),
        _count("min_rows", 3, "Lectures la nuit ou le week-end par jour, au minimum", "En dessous, aucune alerte."),
    ),
    Kind.MEMBERSHIP: (),
    Kind.MASS_EXPORT: (
        _count("max_per_day", 10, "Exports par jour", "L'alerte est levée à partir de ce nombre d'exports."),
        _count(
            "max_items_per_day",
            1000,
            "Personnes ou enregistrements exportés par jour",
            "L'alerte est levée à partir de ce volume, même en un seul export.",
            upper=10_000_000,
        ),
    ),
}
DEFAULTS: dict[str, dict] = {kind: {t.name: t.default for t in thresholds} for kind, thresholds in SCHEMA.items()}
# What each rule looks at, in words; the numbers are its thresholds (``SCHEMA``), shown beside it.
DESCRIPTIONS = {
    Kind.VOLUME_SELF: "Lectures de données de personnes (usagers distincts par jour) très au-dessus des habitudes "
    "de l'agent (score z).",
    Kind.VOLUME_TEAM: "Lectures de données de personnes très au-dessus de la médiane de son équipe le même jour.",
    Kind.OUT_OF_SCOPE: "Lecture d'un dossier qui n'était, au moment de la lecture, suivi ni par ses équipes, ni sur "
    "son territoire, sans partage en cours ni accès d'urgence.",
    Kind.EMERGENCY: "Chaque accès d'urgence (bris de glace).",
    Kind.SAME_NAME: "Lecture de la fiche d'un homonyme (même nom que l'agent) ou d'un voisin (même adresse que "
    "la fiche usager de l'agent).",
    Kind.OFF_HOURS: "Lectures la nuit ou le week-end.",
    Kind.MASS_EXPORT: "Nombre d'exports ou volume exporté par jour au-delà du seuil.",
    Kind.MEMBERSHIP: "Chaque appartenance à une équipe, créée, modifiée ou approuvée, qui donne accès à des "
    "dossiers sociaux : qui l'a faite, pour qui, dans quelle équipe.",
}


def validate_params(kind: str, raw) -> tuple[dict, dict[str, str]]:
    """``(values, errors)``: every threshold of ``kind``, valid, and what was wrong with ``raw``.

    A missing or invalid value gives the default (``errors`` names it, in French); unknown keys are
    dropped. Used by ``detect`` on stored params and by the form and ``alert_rule_update`` on input.
    """
    raw = raw if isinstance(raw, dict) else {}
    values, errors = {}, {}
    for threshold in SCHEMA.get(kind, ()):
        if threshold.name not in raw:
            values[threshold.name] = threshold.default
            continue
        try:
            values[threshold.name] = threshold.check(raw[threshold.name])
        except ValueError as exc:
            values[threshold.name] = threshold.default
            errors[threshold.name] = str(exc)
    if kind == Kind.VOLUME_SELF and "min_baseline_days" not in errors and "baseline_days" not in errors:
        if values["min_baseline_days"] > values["baseline_days"]:
            errors["min_baseline_days"] = "Ne peut dépasser la période de référence."
            values["min_baseline_days"] = min(DEFAULTS[kind]["min_baseline_days"], values["baseline_days"])
    return values, errors


def _params(rule: AlertRule) -> dict:
    return validate_params(rule.kind, rule.params)[0]


def stored_params_problems(rule: AlertRule) -> list[str]:
    """What is wrong with the stored thresholds (French), each replaced by its default when detecting."""
    thresholds = {t.name: t for t in SCHEMA.get(rule.kind, ())}
    _values, errors = validate_params(rule.kind, rule.params)
    return [
        f"« {thresholds[name].label} » : valeur enregistrée invalide ({message}) ; "
        f"valeur par défaut {_show(thresholds[name].default)} utilisée."
        for name, message in errors.items()
    ]


def _show(value) -> str:
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return str(value)


def rule_thresholds(rule: AlertRule) -> list[tuple[Threshold, str]]:
    """``(threshold, value as shown)`` for each threshold of ``rule``, the values detection uses."""
    values = _params(rule)
    return [(t, _show(values[t.name])) for t in SCHEMA.get(rule.kind, ())]


def ensure_default_rules() -> list[AlertRule]:
    """Create the missing rules with their default thresholds (existing rules are left alone)."""
    rules = []
    for kind in Kind.values:
        rule, _ = AlertRule.objects.get_or_create(
            kind=kind, defaults={"params": dict(DEFAULTS[kind]), "description": DESCRIPTIONS[kind]}
        )
        rules.append(rule)
    return rules


# --- the DPO's reads and writes of the rules -------------------------------------------------


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
    if not can_use_dpo_console(user):
        raise Http404
    return list(AlertRule.objects.order_by("kind"))


def alert_rule_get(*, user, kind: str) -> AlertRule:
    """One rule by kind, for the DPO (else ``Http404``)."""
    if not can_use_dpo_console(user) or kind not in Kind.values:
        raise Http404
    rule = AlertRule.objects.filter(kind=kind).first()
    if rule is None:
        raise Http404
    return rule


@transaction.atomic
def alert_rule_update(
    *, rule: AlertRule, actor, enabled: bool, params: dict, reason: str, description: str | None = None
) -> AlertRule:
    """The DPO (or an administrator) changes a rule: on/off, thresholds (and, from the Django admin, its
    description), with a reason.

    Thresholds are checked against ``SCHEMA`` (``ValidationError`` with French messages, nothing
    saved); the history row records the actor, the reason and what changed. Detection keeps its
    position (``last_seq``): new thresholds apply to the rows not analysed yet.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Indiquez le motif de la modification."})
    values, errors = validate_params(rule.kind, params)
    if errors:
        raise ValidationError(errors)
    current = _params(rule)
    labels = {t.name: t.label for t in SCHEMA.get(rule.kind, ())}
    changes = []
    if enabled != rule.enabled:
        changes.append("règle activée" if enabled else "règle désactivée")
    fields = ["enabled", "params"]
    if description is not None and description != rule.description:
        changes.append("description")
        rule.description = description
        fields.append("description")
    for name, value in values.items():
        if value != current.get(name):
            changes.append(f"{labels[name]} : {_show(current.get(name))} → {_show(value)}")
    if not changes and values == (rule.params or {}):
        return rule
    rule.enabled = enabled
    rule.params = values
    what = " ; ".join(changes) or "seuils réenregistrés"
    return save_tracked(rule, actor, f"{reason} ({what})", update_fields=fields)


def tz():
    return zoneinfo.ZoneInfo("Europe/Paris")


def _day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz())
    return start, start + datetime.timedelta(days=1)


@dataclass
class RunSummary:
    rows: int = 0
    raised: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)  # rule kind -> exception class

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


def _staff_by_day(pairs) -> dict[datetime.date, set[int]]:
    """``{day: staff users}`` from ``(actor, day)`` pairs: portal accounts and service accounts left out."""
    staff = _staff_ids({a for a, _ in pairs})
    by_day = defaultdict(set)
    for actor_id, day in pairs:
        if actor_id in staff:
            by_day[day].add(actor_id)
    return by_day


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
    """{day: {actor: distinct citizens read that day}} for staff with new reads of people's data and
    at least ``min_reads`` that day (one grouped query per day)."""
    p = _params(rule)
    result = {}
    for day, actors in sorted(_staff_by_day(_actor_days(lo, hi, PERSON_READ_ACTIONS)).items()):
        start, end = _day_bounds(day)
        counts = _daily_distinct(actors, start, end, PERSON_READ_ACTIONS)
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
            list(today_counts), start - datetime.timedelta(days=p["baseline_days"]), start, PERSON_READ_ACTIONS
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
                    f"{today} usagers distincts consultés le {day:%d/%m/%Y} "
                    f"(habituellement {mean:.1f} ± {std:.1f} ; z = {score:.1f})"
                )
                seqs = _day_seqs(actor_id, day, PERSON_READ_ACTIONS, Q(citizen_id__isnull=False))
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
        counts = _daily_distinct(list(everyone), start, end, PERSON_READ_ACTIONS)
        for actor_id, today in sorted(today_counts.items()):
            peers = set().union(*(members[t] for t in teams_of.get(actor_id, ()))) - {actor_id}
            if len(peers) < p["min_peers"]:
                continue
            median = statistics.median([counts.get((peer, day), 0) for peer in peers])
            if today >= p["factor"] * max(median, 1):
                text = f"{today} usagers distincts consultés le {day:%d/%m/%Y} ; médiane de l'équipe : {median:g}"
                seqs = _day_seqs(actor_id, day, PERSON_READ_ACTIONS, Q(citizen_id__isnull=False))
                _raise(rule, actor_id, f"day:{day}", (start, end), text, seqs, summary)


def _in_scope_q():
    """Whether the row's reader could ordinarily read the row's citizen's file when the row was
    written: every source of access is taken as it was at ``at`` (its local ``day`` for the ones kept
    as dates). Needs the row annotated with ``day`` (``_local_day()``)."""
    from dossier_unique.models import Accompaniment, EmergencyAccess, FileMember, SharingGrant, SocialFile

    day, at = OuterRef("day"), OuterRef("at")
    reader_teams = Membership.objects.filter(
        membership_current_q(on=OuterRef(OuterRef("day"))), user_id=OuterRef(OuterRef("actor_id"))
    ).values("team_id")
    reader_territories = (
        Membership.objects.filter(
            membership_current_q(on=OuterRef(OuterRef("day"))), user_id=OuterRef(OuterRef("actor_id"))
        )
        .filter(team__territory__isnull=False)
        .values("team__territory_id")
    )
    citizen = OuterRef("citizen_id")
    dated = Q(start_date__lte=day) & (Q(end_date__isnull=True) | Q(end_date__gte=day))
    grant_valid = (
        Q(granted_at__lte=at, expires_at__gt=at)
        & (Q(revoked_at__isnull=True) | Q(revoked_at__gt=at))
        & (Q(expired_at__isnull=True) | Q(expired_at__gt=at))
    )
    emergency_valid = Q(started_at__lte=at, expires_at__gte=at) & (Q(ended_at__isnull=True) | Q(ended_at__gte=at))
    return (
        Exists(Accompaniment.objects.filter(dated, file__citizen_id=citizen, team_id__in=reader_teams))
        # A file's territory is set when it is opened (social_file_get_or_create) and nothing changes it:
        # the current one is the one at the time of the read.
        | Exists(SocialFile.objects.filter(citizen_id=citizen, territory_id__in=reader_territories))
        | Exists(
            SharingGrant.objects.filter(grant_valid, file__citizen_id=citizen).filter(
                Q(grantee_user_id=OuterRef("actor_id")) | Q(grantee_team_id__in=reader_teams)
            )
        )
        | Exists(FileMember.objects.filter(dated, file__citizen_id=citizen, user_id=OuterRef("actor_id")))
        | Exists(
            EmergencyAccess.objects.filter(emergency_valid, file__citizen_id=citizen, user_id=OuterRef("actor_id"))
        )
    )


def detect_out_of_scope(rule, lo, hi, summary):
    p = _params(rule)
    rows = (
        _rows(lo, hi)
        .filter(action__in=FILE_ACTIONS, citizen_id__isnull=False)
        .annotate(day=_local_day())
        .annotate(in_scope=_in_scope_q())
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
        text = (
            f"{len(items)} lecture(s) de {len(citizens)} dossier(s) hors de ses équipes et de son territoire "
            "au moment de la lecture"
        )
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
    first_at = {}
    for actor_id, citizen_id, seq, at in (
        _rows(lo, hi)
        .filter(action__in=READ_ACTIONS, citizen_id__isnull=False)
        .order_by("seq")
        .values_list("actor_id", "citizen_id", "seq", "at")
    ):
        pairs[(actor_id, citizen_id)].append(seq)
        first_at.setdefault((actor_id, citizen_id), at)
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
            at = first_at[(actor_id, citizen_id)]
            text = f"Lecture de la fiche usager n° {citizen_id} : " + ", ".join(reasons)
            _raise(rule, actor_id, f"citizen:{citizen_id}", (at, at), text, seqs, summary)


def detect_off_hours(rule, lo, hi, summary):
    p = _params(rule)
    start_hour, end_hour = p["night_start"], p["night_end"]
    if start_hour > end_hour:  # the night spans midnight (20 h - 7 h)
        off = Q(hour__gte=start_hour) | Q(hour__lt=end_hour)
    elif start_hour < end_hour:  # a night within one day (0 h - 6 h)
        off = Q(hour__gte=start_hour, hour__lt=end_hour)
    else:  # no night hours
        off = Q(pk__in=[])
    if p["weekends"]:
        off |= Q(weekday__gte=6)

    def off_rows(qs):
        return (
            qs.exclude(_own_data_q())  # one's own record, at any hour, is nobody's concern
            .annotate(
                hour=ExtractHour("at", tzinfo=tz()), weekday=ExtractIsoWeekDay("at", tzinfo=tz()), day=_local_day()
            )
            .filter(off)
        )

    pairs = set(off_rows(_rows(lo, hi)).values_list("actor_id", "day").distinct())
    for day, actors in sorted(_staff_by_day(pairs).items()):
        start, end = _day_bounds(day)
        # One grouped query per day for the whole day's off-hours rows of every candidate.
        counts = (
            off_rows(AccessLog.objects.filter(actor_id__in=actors, at__gte=start, at__lt=end))
            .values("actor_id", "day")
            .annotate(n=Count("seq"))
            .values_list("actor_id", "n")
        )
        for actor_id, n in sorted(counts):
            if n < p["min_rows"]:
                continue
            seqs = list(
                off_rows(AccessLog.objects.filter(actor_id=actor_id, at__gte=start, at__lt=end))
                .order_by("seq")
                .values_list("seq", flat=True)[:EVIDENCE_MAX]
            )
            when = "le week-end" if day.isoweekday() >= 6 else "la nuit"
            text = f"{n} consultation(s) {when} le {day:%d/%m/%Y}"
            _raise(rule, actor_id, f"day:{day}", (start, end), text, seqs, summary)


def _own_data_q():
    """The row is about the actor's own citizen record (a citizen, or an agent, acting on their own data)."""
    return Exists(Citizen.objects.filter(pk=OuterRef("citizen_id"), user_id=OuterRef("actor_id")))


def _export_counts(rows) -> tuple[int, int]:
    """``(exports, people or records exported)`` from ``(action, object_type, object_id, citizen_id)`` rows.

    A transfer to the Archives départementales logs one ``retention.export`` row per person: one
    export, that many people. Downloading a transfer (``export`` of a ``privacy.retentionexport``)
    exports its ``item_count`` records. Other exports carry no count (the DPO's CSV export logs its
    filters, not its rows): they count as exports only.
    """
    exports = 0
    transfers: dict[str, set] = defaultdict(set)
    downloaded = []
    for action, object_type, object_id, citizen_id in rows:
        if action == A.RETENTION_EXPORT:
            transfers[f"{object_type}:{object_id}"].add(citizen_id)
            continue
        exports += 1
        if action == A.EXPORT and object_type == "privacy.retentionexport" and object_id.isdigit():
            downloaded.append(int(object_id))
    volume = sum(len(people - {None}) for people in transfers.values())
    if downloaded:
        from privacy.models import RetentionExport

        items = dict(RetentionExport.objects.filter(pk__in=set(downloaded)).values_list("pk", "item_count"))
        volume += sum(items.get(pk, 0) for pk in downloaded)
    return exports + len(transfers), volume


def detect_mass_export(rule, lo, hi, summary):
    p = _params(rule)
    # A portal account is never the subject of an alert.
    for day, actors in sorted(_staff_by_day(_actor_days(lo, hi, EXPORT_ACTIONS)).items()):
        start, end = _day_bounds(day)
        # One query per day for every candidate's exports of that day.
        rows_of = defaultdict(list)
        for actor_id, *row in (
            AccessLog.objects.filter(actor_id__in=actors, at__gte=start, at__lt=end, action__in=EXPORT_ACTIONS)
            .exclude(_own_data_q())
            .order_by("seq")
            .values_list("actor_id", "seq", "action", "object_type", "object_id", "citizen_id")
        ):
            rows_of[actor_id].append(row)
        for actor_id, rows in sorted(rows_of.items()):
            exports, volume = _export_counts([r[1:] for r in rows])
            if exports >= p["max_per_day"] or volume >= p["max_items_per_day"]:
                text = (
                    f"{exports} export(s) le {day:%d/%m/%Y}, {volume} personne(s) ou enregistrement(s) "
                    f"(seuils : {p['max_per_day']} exports, {p['max_items_per_day']} personnes ou enregistrements)"
                )
                seqs = [r[0] for r in rows[:EVIDENCE_MAX]]
                _raise(rule, actor_id, f"day:{day}", (start, end), text, seqs, summary)


def detect_membership(rule, lo, hi, summary):
    """Nothing to read in the access log: the membership services raise these alerts at the change."""


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
    return _raise(rule, membership.user_id, f"membership:{history_id}", (now, now), text, [], RunSummary())


DETECTORS: dict[str, Callable] = {
    Kind.VOLUME_SELF: detect_volume_self,
    Kind.VOLUME_TEAM: detect_volume_team,
    Kind.OUT_OF_SCOPE: detect_out_of_scope,
    Kind.EMERGENCY: detect_emergency,
    Kind.SAME_NAME: detect_same_name,
    Kind.OFF_HOURS: detect_off_hours,
    Kind.MASS_EXPORT: detect_mass_export,
    Kind.MEMBERSHIP: detect_membership,
}


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
                raised_before = summary.raised.get(kind, 0)
                lo = start = rule.last_seq
                while lo < end:
                    hi = min(lo + batch, end)
                    DETECTORS[rule.kind](rule, lo, hi, summary)
                    if progress:
                        progress(hi - lo)
                    summary.rows = max(summary.rows, end - rule.last_seq)
                    lo = hi
                if rule.kind == Kind.EMERGENCY and lo >= end and rule.last_seq == end:
                    DETECTORS[rule.kind](rule, lo, end, summary)  # emergency accesses do not wait for new rows
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
