"""Reads of the agents' screens: agendas (per agent or per lieu, a week or a day), one appointment with its
people, absences, invitations, what an agent may book. Each takes the user, applies ``rendezvous.perms`` /
``rendezvous.agent_perms`` and logs the read of personal data.

Logging: an agenda page writes one access-log row (``rendezvous.agenda``, the agent or lieu, the period and
how many appointments it showed); an appointment page one row per person on it (``rendezvous.view`` with the
citizen, so each person's "who read my data" lists it); the invitations page one row. Appointments the user
may not see in detail are on the agenda as busy time only: their people and motif are not read into the page.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import holidays
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from grc.audit.models import AccessLog
from grc.audit.services import access_log_write
from grc.models import Membership, Team, User
from grc.perms import current_team_ids, membership_current_q

from . import agent_perms
from .models import (
    Absence,
    AgentCalendarToken,
    Invitation,
    Lieu,
    Motif,
    Participant,
    PlageOuverture,
    Rendezvous,
    WebhookDelivery,
    WebhookEndpoint,
)
from .perms import AGENDA_ROLES, can_view_rendezvous
from .slots import Slot, free_slots

DAY_FIRST_HOUR = 8
DAY_LAST_HOUR = 18  # the last row starts at 18:00


@dataclass
class AgendaDay:
    """One column of an agenda: the day, its public holiday (name or ""), opening slots, absences, appointments."""

    date: datetime.date
    holiday: str = ""
    openings: list[tuple[datetime.time, datetime.time, PlageOuverture]] = field(default_factory=list)
    absences: list[Absence] = field(default_factory=list)
    appointments: list[Rendezvous] = field(default_factory=list)


@dataclass
class Agenda:
    """What an agenda page shows: its days and the hour rows spanning them (``hours``)."""

    start: datetime.date
    days: list[AgendaDay]
    hours: list[int]
    count: int


def _plage_on(plage: PlageOuverture, day: datetime.date) -> bool:
    """Whether the weekly slot is open on ``day`` (weekday, dates, every N weeks from its first week)."""
    if day < plage.first_day or (plage.until is not None and day > plage.until) or day.weekday() not in plage.weekdays:
        return False
    first_monday = plage.first_day - datetime.timedelta(days=plage.first_day.weekday())
    monday = day - datetime.timedelta(days=day.weekday())
    return ((monday - first_monday).days // 7) % max(plage.every_weeks, 1) == 0


def _window(start: datetime.date, days: int) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    begin = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    return begin, datetime.datetime.combine(start + datetime.timedelta(days=days), datetime.time.min, tzinfo=tz)


def agenda_agents(*, user) -> list[User]:
    """The agents whose agenda ``user`` may open: themselves and whoever shares a current team with them and
    holds an agenda role, by name. Names of colleagues are not personal data of citizens: not logged."""
    if not agent_perms.can_use_agendas(user):
        raise Http404
    colleagues = Membership.objects.filter(
        membership_current_q(roles=AGENDA_ROLES), team_id__in=current_team_ids(user)
    ).values("user_id")
    return list(
        User.objects.filter(Q(pk=user.pk) | Q(pk__in=colleagues), is_active=True, is_staff=True)
        .order_by("last_name", "first_name", "pk")
        .only("pk", "first_name", "last_name", "email")
    )


def agenda_lieux(*, user) -> list[Lieu]:
    """The active lieux, by name (an organisation's places, open to every agent who uses agendas)."""
    if not agent_perms.can_use_agendas(user):
        raise Http404
    return list(Lieu.objects.filter(is_active=True).order_by("name"))


def _appointments(user, begin, end, *, agent=None, lieu=None) -> list[Rendezvous]:
    visible = Participant.objects.select_related("citizen").order_by("pk")
    rows = (
        Rendezvous.objects.filter(status=Rendezvous.Status.ACTIVE, starts_at__lt=end, ends_at__gt=begin)
        .select_related("motif__team", "lieu", "agent")
        .order_by("starts_at", "pk")
    )
    rows = rows.filter(agent=agent) if agent is not None else rows.filter(lieu=lieu)
    rows = list(rows)
    shown = {r.pk for r in rows if can_view_rendezvous(user, r)}
    people: dict[int, list[Participant]] = {}
    for participant in visible.filter(rendezvous_id__in=shown):
        people.setdefault(participant.rendezvous_id, []).append(participant)
    for rendezvous in rows:
        rendezvous.detail_visible = rendezvous.pk in shown
        rendezvous.people = people.get(rendezvous.pk, [])
        rendezvous.booked = sum(1 for p in rendezvous.people if p.status != Participant.Status.ANNULE)
    return rows


def agenda_read(
    *, user, start: datetime.date, days: int = 7, agent: User | None = None, lieu: Lieu | None = None, request=None
) -> Agenda:
    """One agent's or one lieu's agenda over ``days`` days from ``start``: appointments (active), the weekly
    opening slots of those days, absences (the agent's, or those of the agents receiving at the lieu) and
    public holidays. ``Http404`` unless ``agent_perms.can_view_agent_agenda`` / ``can_view_lieu_agenda``.

    Appointments the user may not see (``rendezvous.perms.can_view_rendezvous``) come with
    ``detail_visible = False`` and no people. Logged once (``rendezvous.agenda``). Five queries whatever the
    number of appointments.
    """
    if agent is not None and not agent_perms.can_view_agent_agenda(user, agent):
        raise Http404
    if lieu is not None and not agent_perms.can_view_lieu_agenda(user, lieu):
        raise Http404
    if (agent is None) == (lieu is None):
        raise ValueError("one of agent or lieu")
    begin, end = _window(start, days)
    appointments = _appointments(user, begin, end, agent=agent, lieu=lieu)
    plages = PlageOuverture.objects.filter(is_active=True, first_day__lt=start + datetime.timedelta(days=days)).filter(
        Q(until__isnull=True) | Q(until__gte=start)
    )
    plages = list(
        plages.filter(agent=agent) if agent is not None else plages.filter(lieu=lieu).select_related("agent")
    )
    agent_ids = {agent.pk} if agent is not None else {p.agent_id for p in plages}
    absences = list(
        Absence.objects.filter(agent_id__in=agent_ids, starts_at__lt=end, ends_at__gt=begin)
        .select_related("agent")
        .order_by("starts_at")
    )
    dates = [start + datetime.timedelta(days=i) for i in range(days)]
    public = holidays.France(years={d.year for d in dates}, language="fr")
    columns = []
    for day in dates:
        day_begin, day_end = _window(day, 1)
        column = AgendaDay(date=day, holiday=public.get(day, ""))
        column.openings = [(p.start_time, p.end_time, p) for p in plages if _plage_on(p, day)]
        column.absences = [a for a in absences if a.starts_at < day_end and a.ends_at > day_begin]
        column.appointments = [r for r in appointments if r.starts_at < day_end and r.ends_at > day_begin]
        columns.append(column)
    hours = _hours(columns)
    target = agent if agent is not None else lieu
    access_log_write(
        actor=user,
        action=AccessLog.Action.RDV_AGENDA,
        obj=target,
        purpose=f"agenda du {start:%d/%m/%Y} ({days} j) : {len(appointments)} rendez-vous",
        request=request,
    )
    return Agenda(start=start, days=columns, hours=hours, count=len(appointments))


def _hours(columns: list[AgendaDay]) -> list[int]:
    """The hour rows: 8:00 to 18:00, stretched to whatever opens or is booked earlier or later."""
    first, last = DAY_FIRST_HOUR, DAY_LAST_HOUR
    for column in columns:
        for opening_start, opening_end, _plage in column.openings:
            first, last = min(first, opening_start.hour), max(last, opening_end.hour - (opening_end.minute == 0))
        for rendezvous in column.appointments:
            local = timezone.localtime(rendezvous.starts_at)
            first, last = min(first, local.hour), max(last, local.hour)
    return list(range(first, last + 1))


def rendezvous_detail_get(*, user, pk, request=None) -> Rendezvous:
    """One appointment with its motif, lieu, agent and participants (with their citizen), for an agent.

    ``Http404`` unless the user uses agendas and may see it (its agent, or a current member of the motif's
    team). Logged once per person on it (``rendezvous.view``, with the citizen).
    """
    if not agent_perms.can_use_agendas(user):
        raise Http404
    try:
        rendezvous = (
            Rendezvous.objects.select_related("motif__team", "lieu", "agent", "created_by")
            .prefetch_related(
                Prefetch("participants", queryset=Participant.objects.select_related("citizen").order_by("pk"))
            )
            .get(pk=pk)
        )
    except (Rendezvous.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not can_view_rendezvous(user, rendezvous):
        raise Http404
    for participant in rendezvous.participants.all():
        access_log_write(
            actor=user,
            action=AccessLog.Action.RDV_VIEW,
            citizen=participant.citizen_id,
            obj=rendezvous,
            purpose="suivi du rendez-vous",
            request=request,
        )
    return rendezvous


def participant_for_outcome_get(*, user, rendezvous: Rendezvous, pk) -> Participant:
    """A participant of ``rendezvous`` (already read through ``rendezvous_detail_get``), ``Http404`` otherwise."""
    for participant in rendezvous.participants.all():
        if str(participant.pk) == str(pk):
            return participant
    raise Http404


def absences_for(*, user, agent: User) -> QuerySet[Absence]:
    """``agent``'s absences that end from 30 days ago on, soonest first (``agent_perms.can_manage_absences``).

    Not logged: an agent's own planning, not a citizen's data.
    """
    if not agent_perms.can_manage_absences(user, agent):
        raise Http404
    since = timezone.now() - datetime.timedelta(days=30)
    return Absence.objects.filter(agent=agent, ends_at__gte=since).order_by("starts_at", "pk")


def absence_get(*, user, pk) -> Absence:
    """One absence the user may manage, ``Http404`` otherwise."""
    try:
        absence = Absence.objects.select_related("agent").get(pk=pk)
    except (Absence.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not agent_perms.can_manage_absences(user, absence.agent):
        raise Http404
    return absence


def invitations_for(*, user, request=None) -> list[Invitation]:
    """The invitations the user may see (sent by them, or for a motif of their teams), newest first, at most
    200: waiting, used, expired with their follow-up. Logged once (the page names the people invited).

    Each row says what followed for the same person and motif (``Invitation.objects.with_what_followed``)."""
    if not agent_perms.can_use_agendas(user):
        raise Http404
    rows = list(
        Invitation.objects.filter(Q(created_by=user) | Q(motif__team_id__in=agent_perms.agenda_team_ids(user)))
        .with_what_followed()
        .select_related("citizen", "motif__team", "lieu", "created_by", "rendezvous")
        .prefetch_related("messages")
        .order_by("-created_at", "-pk")[:200]
    )
    access_log_write(
        actor=user,
        action=AccessLog.Action.RDV_AGENDA,
        object_type="rendezvous.invitation",
        purpose=f"invitations : {len(rows)}",
        request=request,
    )
    return rows


def invitation_get(*, user, pk) -> Invitation:
    """One invitation the user may see (``agent_perms.can_view_invitation``), ``Http404`` otherwise."""
    try:
        invitation = Invitation.objects.select_related("motif__team", "citizen", "created_by").get(pk=pk)
    except (Invitation.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not agent_perms.can_view_invitation(user, invitation):
        raise Http404
    return invitation


def bookable_motifs(*, user) -> list[Motif]:
    """The active motifs the user may book or invite for (a current agenda role in the motif's team)."""
    if not agent_perms.can_use_agendas(user):
        raise Http404
    return list(
        Motif.objects.filter(is_active=True, team_id__in=agent_perms.agenda_team_ids(user))
        .select_related("team")
        .order_by("team__name", "name")
    )


def bookable_motif_get(*, user, pk) -> Motif:
    """One motif the user may book for, ``Http404`` otherwise."""
    try:
        motif = Motif.objects.select_related("team").get(pk=pk)
    except (Motif.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not agent_perms.can_book_for_motif(user, motif):
        raise Http404
    return motif


def lieux_for_motif(*, user, motif: Motif) -> list[Lieu]:
    """The active lieux where an active weekly slot offers ``motif`` (for the booking and invitation forms)."""
    if not agent_perms.can_book_for_motif(user, motif):
        raise Http404
    today = timezone.localdate()
    return list(
        Lieu.objects.filter(
            Q(plages__until__isnull=True) | Q(plages__until__gte=today),
            is_active=True,
            plages__is_active=True,
            plages__motifs=motif,
        )
        .distinct()
        .order_by("name")
    )


def slots_for_booking(
    *, user, motif: Motif, start: datetime.datetime, end: datetime.datetime, lieu: Lieu | None = None
) -> list[Slot]:
    """The free slots of ``motif`` an agent may book between ``start`` and ``end`` (``rendezvous.slots``: the
    rules at read time; agents are not held to the motif's booking delays, never in the past)."""
    if not agent_perms.can_book_for_motif(user, motif):
        raise Http404
    return free_slots(
        motif=motif, start=start, end=end, lieu_ids=None if lieu is None else [lieu.pk], enforce_delays=False
    )


def agents_by_id(*, user, ids) -> dict[int, User]:
    """Staff accounts by id with their names only (who holds a slot): not citizens' data, not logged."""
    if not agent_perms.can_use_agendas(user):
        raise Http404
    wanted = [int(i) for i in ids if str(i).isdigit() and len(str(i)) < 19]  # ids from a query string
    return User.objects.filter(is_staff=True).only("pk", "first_name", "last_name", "email").in_bulk(wanted)


def slots_for_move(
    *, user, rendezvous: Rendezvous, start: datetime.datetime, end: datetime.datetime, lieu: Lieu | None = None
) -> list[Slot]:
    """The free slots ``rendezvous`` may move to between ``start`` and ``end``: its motif's, with any agent, at
    ``lieu`` or any lieu, its own time left out of what is taken (``agent_perms.can_move_rendezvous``)."""
    if not agent_perms.can_move_rendezvous(user, rendezvous):
        raise Http404
    slots = free_slots(
        motif=rendezvous.motif,
        start=start,
        end=end,
        lieu_ids=None if lieu is None else [lieu.pk],
        enforce_delays=False,
        exclude_rendezvous_id=rendezvous.pk,
    )
    here = (rendezvous.starts_at, rendezvous.agent_id)
    return [slot for slot in slots if slot.rendezvous_id is None and (slot.starts_at, slot.agent_id) != here]


def webhook_endpoints_list(*, user) -> list[WebhookEndpoint]:
    """Every webhook receiver with its teams and its number of failed attempts in 7 days (functional admins;
    ``Http404`` otherwise). No personal data: not logged."""
    if not agent_perms.can_manage_webhooks(user):
        raise Http404
    failed = Q(deliveries__attempted_at__gte=timezone.now() - datetime.timedelta(days=7)) & ~Q(deliveries__error="")
    return list(
        WebhookEndpoint.objects.prefetch_related("teams")
        .annotate(recent_failures=Count("deliveries", filter=failed))
        .order_by("-is_active", "name")
    )


def webhook_endpoint_get(*, user, pk) -> tuple[WebhookEndpoint, list[WebhookDelivery]]:
    """One receiver and its 100 latest delivery attempts (event, attempt, status or error), ``Http404`` unless
    the user manages webhooks."""
    if not agent_perms.can_manage_webhooks(user):
        raise Http404
    try:
        endpoint = WebhookEndpoint.objects.prefetch_related("teams").get(pk=pk)
    except (WebhookEndpoint.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return endpoint, list(endpoint.deliveries.order_by("-attempted_at", "-pk")[:100])


def webhook_teams(*, user) -> list[Team]:
    """The teams a receiver may follow (all active teams, for functional admins)."""
    if not agent_perms.can_manage_webhooks(user):
        raise Http404
    return list(Team.objects.filter(is_active=True).order_by("name"))


def calendar_token_state(*, user, agent) -> AgentCalendarToken | None:
    """``agent``'s live webcal token (its creation date: the secret itself is never kept), or None;
    ``Http404`` unless ``agent_perms.can_manage_calendar_token``."""
    if not agent_perms.can_manage_calendar_token(user, agent):
        raise Http404
    return AgentCalendarToken.objects.filter(user=agent, revoked_at__isnull=True).order_by("-created_at").first()
