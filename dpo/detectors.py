"""The DPO console's anomaly detectors over the access log, registered with the engine (``grc.audit.alerts``).

Each detector reads the rows of one batch of a run and raises through ``grc.audit.alerts.alert_raise``;
``register`` is called from ``DpoConfig.ready``. They compare the log with the citizen reference and
the social file (teams, accompaniments, sharing grants, emergency accesses), the layers below the
console; mass export, which counts the people of an archive transfer, is privacy's
(``privacy.alerts``).
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
  the ``item_count`` of a downloaded transfer; the DPO's CSV export does not log its row count).
  A citizen acting on their own data (portal download, a staff member's own record) is never counted.
- ``membership``: every team membership created, changed or approved that opens social files
  (a file role in a team holding files, ``grc.file_access``). Raised at the change by
  ``grc.services.memberships`` through ``membership_alert_raise`` (who did it, for whom, which team,
- ``membership``: raised at the change by ``grc.services.memberships`` (``grc.audit.alerts.
  membership_alert_raise``), not by reading the access log: its detector has nothing to do.
"""

from __future__ import annotations

import datetime
import statistics
from collections import defaultdict

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay
from django.utils import timezone

from dossier_unique.models import Accompaniment, EmergencyAccess, FileMember, SharingGrant, SocialFile
from grc.audit.alert_rules import rule_params
from grc.audit.alerts import (
    EVIDENCE_MAX,
    actor_days,
    alert_raise,
    day_bounds,
    detector_register,
    local_day,
    log_rows,
    own_data_q,
    staff_by_day,
    staff_ids,
    tz,
)
from grc.audit.models import AccessLog, Alert, AlertRule
from grc.matching.names import normalise_name
from grc.models import Address, Citizen, Membership, User
from grc.perms import membership_current_q

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


def _daily_distinct(actor_ids, since, until, actions) -> dict[tuple[int, datetime.date], int]:
    rows = (
        AccessLog.objects.filter(actor_id__in=actor_ids, at__gte=since, at__lt=until, action__in=actions)
        .annotate(day=local_day())
        .values("actor_id", "day")
        .annotate(n=Count("citizen_id", distinct=True))
    )
    return {(r["actor_id"], r["day"]): r["n"] for r in rows}


def _day_seqs(actor_id, day, actions, extra: Q | None = None) -> list[int]:
    start, end = day_bounds(day)
    qs = AccessLog.objects.filter(actor_id=actor_id, at__gte=start, at__lt=end, action__in=actions)
    if extra is not None:
        qs = qs.filter(extra)
    return list(qs.order_by("seq").values_list("seq", flat=True)[:EVIDENCE_MAX])


# --- rules ------------------------------------------------------------------------------------


def _candidates_by_day(rule, lo, hi) -> dict:
    """{day: {actor: distinct citizens read that day}} for staff with new reads of people's data and
    at least ``min_reads`` that day (one grouped query per day)."""
    p = rule_params(rule)
    result = {}
    for day, actors in sorted(staff_by_day(actor_days(lo, hi, PERSON_READ_ACTIONS)).items()):
        start, end = day_bounds(day)
        counts = _daily_distinct(actors, start, end, PERSON_READ_ACTIONS)
        kept = {a: n for (a, d), n in counts.items() if d == day and n >= p["min_reads"]}
        if kept:
            result[day] = kept
    return result


def detect_volume_self(rule, lo, hi, summary):
    p = rule_params(rule)
    for day, today_counts in _candidates_by_day(rule, lo, hi).items():
        start, end = day_bounds(day)
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
                alert_raise(rule, actor_id, f"day:{day}", (start, end), text, seqs, summary)


def _current_teams(user_ids, day) -> dict[int, set[int]]:
    teams = defaultdict(set)
    for user_id, team_id in Membership.objects.filter(membership_current_q(on=day), user_id__in=user_ids).values_list(
        "user_id", "team_id"
    ):
        teams[user_id].add(team_id)
    return teams


def detect_volume_team(rule, lo, hi, summary):
    p = rule_params(rule)
    for day, today_counts in _candidates_by_day(rule, lo, hi).items():
        start, end = day_bounds(day)
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
                alert_raise(rule, actor_id, f"day:{day}", (start, end), text, seqs, summary)


def _in_scope_q():
    """Whether the row's reader could ordinarily read the row's citizen's file when the row was
    written: every source of access is taken as it was at ``at`` (its local ``day`` for the ones kept
    as dates). Needs the row annotated with ``day`` (``local_day()``)."""
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
    p = rule_params(rule)
    rows = (
        log_rows(lo, hi)
        .filter(action__in=FILE_ACTIONS, citizen_id__isnull=False)
        .annotate(day=local_day())
        .annotate(in_scope=_in_scope_q())
        .filter(in_scope=False)
        .values_list("actor_id", "day", "seq", "citizen_id")
    )
    grouped = defaultdict(list)
    for actor_id, day, seq, citizen_id in rows:
        grouped[(actor_id, day)].append((seq, citizen_id))
    staff = staff_ids({a for a, _ in grouped})
    for (actor_id, day), items in sorted(grouped.items()):
        if actor_id not in staff or len(items) < p["min_rows"]:
            continue
        citizens = {c for _, c in items}
        text = (
            f"{len(items)} lecture(s) de {len(citizens)} dossier(s) hors de ses équipes et de son territoire "
            "au moment de la lecture"
        )
        alert_raise(rule, actor_id, f"day:{day}", day_bounds(day), text, [s for s, _ in items], summary)


def detect_emergency(rule, lo, hi, summary):
    p = rule_params(rule)
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
        alert_raise(rule, access.user_id, key, (access.started_at, end), text, seqs, summary)


def detect_same_name(rule, lo, hi, summary):
    p = rule_params(rule)
    pairs = defaultdict(list)
    first_at = {}
    for actor_id, citizen_id, seq, at in (
        log_rows(lo, hi)
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
            alert_raise(rule, actor_id, f"citizen:{citizen_id}", (at, at), text, seqs, summary)


def detect_off_hours(rule, lo, hi, summary):
    p = rule_params(rule)
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
            qs.exclude(own_data_q())  # one's own record, at any hour, is nobody's concern
            .annotate(
                hour=ExtractHour("at", tzinfo=tz()), weekday=ExtractIsoWeekDay("at", tzinfo=tz()), day=local_day()
            )
            .filter(off)
        )

    pairs = set(off_rows(log_rows(lo, hi)).values_list("actor_id", "day").distinct())
    for day, actors in sorted(staff_by_day(pairs).items()):
        start, end = day_bounds(day)
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
            alert_raise(rule, actor_id, f"day:{day}", (start, end), text, seqs, summary)


def detect_membership(rule, lo, hi, summary):
    """Nothing to read in the access log: the membership services raise these alerts at the change."""


def register() -> None:
    """Declare these detectors to the engine (``DpoConfig.ready``)."""
    detector_register(Kind.VOLUME_SELF, detect_volume_self)
    detector_register(Kind.VOLUME_TEAM, detect_volume_team)
    detector_register(Kind.OUT_OF_SCOPE, detect_out_of_scope)
    # Emergency accesses do not wait for new rows: each one is an alert as soon as it starts.
    detector_register(Kind.EMERGENCY, detect_emergency, without_new_rows=True)
    detector_register(Kind.SAME_NAME, detect_same_name)
    detector_register(Kind.OFF_HOURS, detect_off_hours)
    detector_register(Kind.MEMBERSHIP, detect_membership)
