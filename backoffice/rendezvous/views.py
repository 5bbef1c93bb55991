"""Appointments in the back office: week and day agendas (per agent, per lieu), one appointment with its
participants' outcomes or a group session's attendance, and cancelling.

Reads go through ``rendezvous.agent_selectors`` (permission filter + one access-log row per page); each write
is one ``rendezvous.services`` call from a POST to its own URL. A service ``ValidationError`` re-renders the
page with what was typed and the French error next to its field. Anything the user may not see is a 404.
Agendas are plain HTML tables (a header cell per day and per hour, links for appointments): usable with the
keyboard and a screen reader, without JavaScript.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backoffice.rendezvous.forms import AttendanceForm, CancelForm, OutcomeForm
from grc.forms import add_service_error
from rendezvous import agent_perms, agent_selectors, services
from rendezvous.models import Participant

VIEWS = {"semaine": 7, "jour": 1}


# --- helpers -------------------------------------------------------------------------------------------------


def _require_agendas(user) -> None:
    if not agent_perms.can_use_agendas(user):
        raise Http404


def _period(request) -> tuple[datetime.date, str]:
    """The first day shown and the view (``semaine`` from a Monday, or ``jour``), from ``?du=`` and ``?vue=``;
    anything unreadable means this week."""
    view = request.GET.get("vue", "semaine")
    if view not in VIEWS:
        view = "semaine"
    try:
        day = datetime.date.fromisoformat(request.GET.get("du", "")[:10])
    except ValueError:
        day = timezone.localdate()
    if not datetime.date(2000, 1, 1) <= day <= datetime.date(2100, 12, 31):
        day = timezone.localdate()
    if view == "semaine":
        day -= datetime.timedelta(days=day.weekday())
    return day, view


def _navigation(start: datetime.date, view: str) -> dict:
    step = datetime.timedelta(days=VIEWS[view])
    today = timezone.localdate()
    this = today - datetime.timedelta(days=today.weekday()) if view == "semaine" else today
    return {
        "previous": f"?du={start - step:%Y-%m-%d}&vue={view}",
        "next": f"?du={start + step:%Y-%m-%d}&vue={view}",
        "current": f"?du={this:%Y-%m-%d}&vue={view}",
        "week": f"?du={start:%Y-%m-%d}&vue=semaine",
    }


def _in_hour(moment, day, hour) -> bool:
    local = timezone.localtime(moment)
    return local.date() == day and local.hour == hour


def _covers(start_time, end_time, hour) -> bool:
    return start_time < datetime.time(hour, 59, 59) and end_time > datetime.time(hour)


def week_rows(agenda) -> list[dict]:
    """The week table's rows: per hour, per day, the appointments starting then, whether an opening slot covers
    the hour and whether the agent is absent (as text in the cell, not only a colour)."""
    tz = timezone.get_current_timezone()
    rows = []
    for hour in agenda.hours:
        cells = []
        for day in agenda.days:
            begin = datetime.datetime.combine(day.date, datetime.time(hour), tzinfo=tz)
            end = begin + datetime.timedelta(hours=1)
            cells.append(
                {
                    "items": [r for r in day.appointments if _in_hour(r.starts_at, day.date, hour)],
                    "open": not day.holiday and any(_covers(s, e, hour) for s, e, _p in day.openings),
                    "absent": any(a.starts_at < end and a.ends_at > begin for a in day.absences),
                }
            )
        rows.append({"hour": hour, "cells": cells})
    return rows


def _agenda_page(request, *, agent=None, lieu=None):
    start, view = _period(request)
    agenda = agent_selectors.agenda_read(
        user=request.user, start=start, days=VIEWS[view], agent=agent, lieu=lieu, request=request
    )
    context = {
        "agenda": agenda,
        "view": view,
        "nav": _navigation(start, view),
        "agent": agent,
        "lieu": lieu,
        "agents": agent_selectors.agenda_agents(user=request.user),
        "lieux": agent_selectors.agenda_lieux(user=request.user),
        "rows": week_rows(agenda) if view == "semaine" else None,
        "day": agenda.days[0] if view == "jour" else None,
        "can_manage_absences": agent is not None and agent_perms.can_manage_absences(request.user, agent),
        "rdv_manages_webhooks": agent_perms.can_manage_webhooks(request.user),
    }
    return render(request, "backoffice/rendezvous/agenda.html", context)


# --- agendas -------------------------------------------------------------------------------------------------


def rdv_home(request):
    """The appointments area: my own agenda, this week."""
    _require_agendas(request.user)
    return redirect("backoffice:rdv_agenda_agent", pk=request.user.pk)


def rdv_agenda_agent(request, pk):
    """One agent's agenda (``?vue=semaine`` or ``jour``, ``?du=`` a date); 404 if the user may not open it."""
    _require_agendas(request.user)
    agents = {a.pk: a for a in agent_selectors.agenda_agents(user=request.user)}
    if pk not in agents:
        raise Http404
    return _agenda_page(request, agent=agents[pk])


def rdv_agenda_lieu(request, pk):
    """One lieu's agenda: every agent receiving there."""
    _require_agendas(request.user)
    lieux = {lieu.pk: lieu for lieu in agent_selectors.agenda_lieux(user=request.user)}
    if pk not in lieux:
        raise Http404
    return _agenda_page(request, lieu=lieux[pk])


def rdv_agenda_switch(request):
    """The "show this agenda" form (GET, works without JavaScript): to the agent's or lieu's agenda."""
    _require_agendas(request.user)
    choice = request.GET.get("agenda", "")
    kind, _sep, pk = choice.partition("-")
    query = f"?du={request.GET.get('du', '')[:10]}&vue={request.GET.get('vue', 'semaine')[:10]}"
    if kind in ("agent", "lieu") and pk.isdigit() and len(pk) < 18:
        return redirect(reverse(f"backoffice:rdv_agenda_{kind}", args=[int(pk)]) + query)
    return redirect("backoffice:rdv_home")


# --- one appointment -----------------------------------------------------------------------------------------


def _detail_context(request, rendezvous, *, forms=None) -> dict:
    forms = forms or {}
    participants = list(rendezvous.participants.all())
    active = [p for p in participants if p.status != Participant.Status.ANNULE]
    asks = services.motif_asks_digital_help(motif=rendezvous.motif)
    may_record = agent_perms.can_record_outcome(request.user, rendezvous)
    levels = dict(services.agents.DIGITAL_HELP_LEVELS)
    for participant in participants:
        participant.digital_help_label = levels.get(participant.digital_help_level, "")
        participant.outcome_form = forms.get(participant.pk) or OutcomeForm(
            initial={
                "status": participant.status,
                "outcome_note": participant.outcome_note,
                "digital_help_level": participant.digital_help_level,
            },
            asks_digital_help=asks,
            prefix=f"o{participant.pk}",
        )
    attendance = None
    if rendezvous.is_group and active:
        attendance = forms.get("attendance") or AttendanceForm(participants=active)
    return {
        "rendezvous": rendezvous,
        "participants": participants,
        "attendance_form": attendance,
        "cancel_form": forms.get("cancel") or CancelForm(),
        "may_record": may_record and rendezvous.status == rendezvous.Status.ACTIVE,
        "may_cancel": agent_perms.can_cancel_rendezvous(request.user, rendezvous)
        and rendezvous.status == rendezvous.Status.ACTIVE,
        "may_move": agent_perms.can_move_rendezvous(request.user, rendezvous),
        "started": rendezvous.starts_at <= timezone.now(),
        "agenda_url": reverse("backoffice:rdv_agenda_agent", args=[rendezvous.agent_id])
        + f"?du={timezone.localtime(rendezvous.starts_at):%Y-%m-%d}&vue=jour",
    }


def rdv_detail(request, pk):
    """One appointment: when, where, motif, who; each participant's outcome; a session's attendance."""
    rendezvous = agent_selectors.rendezvous_detail_get(user=request.user, pk=pk, request=request)
    return render(request, "backoffice/rendezvous/detail.html", _detail_context(request, rendezvous))


def _rerender(request, rendezvous, key, form):
    context = _detail_context(request, rendezvous, forms={key: form})
    return render(request, "backoffice/rendezvous/detail.html", context, status=200)


@require_POST
def rdv_outcome(request, pk, participant_pk):
    """Record one participant's status (and, when seen, what was done)."""
    rendezvous = agent_selectors.rendezvous_detail_get(user=request.user, pk=pk, request=request)
    if not agent_perms.can_record_outcome(request.user, rendezvous):
        raise Http404
    participant = agent_selectors.participant_for_outcome_get(
        user=request.user, rendezvous=rendezvous, pk=participant_pk
    )
    form = OutcomeForm(
        request.POST,
        asks_digital_help=services.motif_asks_digital_help(motif=rendezvous.motif),
        prefix=f"o{participant.pk}",
    )
    if form.is_valid():
        try:
            services.participant_outcome_set(
                participant=participant,
                status=form.cleaned_data["status"],
                outcome_note=form.cleaned_data["outcome_note"],
                digital_help_level=form.cleaned_data.get("digital_help_level", ""),
                actor=request.user,
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request, _("Le suivi de %(name)s est enregistré.") % {"name": participant.citizen.display_name}
            )
            return redirect(reverse("backoffice:rdv_detail", args=[rendezvous.pk]) + f"#p{participant.pk}")
    return _rerender(request, rendezvous, participant.pk, form)


@require_POST
def rdv_attendance(request, pk):
    """Record a group session's attendance at once."""
    rendezvous = agent_selectors.rendezvous_detail_get(user=request.user, pk=pk, request=request)
    if not agent_perms.can_record_outcome(request.user, rendezvous) or not rendezvous.is_group:
        raise Http404
    active = [p for p in rendezvous.participants.all() if p.status != Participant.Status.ANNULE]
    form = AttendanceForm(request.POST, participants=active)
    if form.is_valid():
        try:
            changed = services.attendance_record(
                rendezvous=rendezvous,
                statuses=form.statuses(),
                outcome_note=form.cleaned_data["outcome_note"],
                actor=request.user,
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Présences enregistrées (%(n)s changement(s)).") % {"n": changed})
            return redirect("backoffice:rdv_detail", pk=rendezvous.pk)
    return _rerender(request, rendezvous, "attendance", form)


@require_POST
def rdv_cancel(request, pk):
    """Cancel the appointment (the participants are told by the notices), with a reason."""
    rendezvous = agent_selectors.rendezvous_detail_get(user=request.user, pk=pk, request=request)
    if not agent_perms.can_cancel_rendezvous(request.user, rendezvous):
        raise Http404
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.rdv_cancel(rendezvous=rendezvous, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Le rendez-vous est annulé ; les personnes prévenues le seront."))
            return redirect("backoffice:rdv_detail", pk=rendezvous.pk)
    return _rerender(request, rendezvous, "cancel", form)
