"""Moving an appointment from the back office: the agent picks another free slot of the same motif (the same or
another agent and lieu, any week), and ``rendezvous.services.rdv_move`` moves it — history, the person's timeline,
the change notice (e-mail with the updated ``.ics``, SMS) and the webhooks, as for any move.

One page: a GET form (lieu, week) lists the free slots by day as radio buttons, a POST moves. A slot taken
meanwhile, or any other refusal, re-renders the page with the French reason and the list read again: the
appointment stays where it was. Anything the user may not move is a 404.
"""

from __future__ import annotations

import datetime
from collections import OrderedDict

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from backoffice.rendezvous.forms import MoveForm, MoveSearchForm
from grc.forms import add_service_error
from rendezvous import agent_perms, agent_selectors, services

SLOT_DAYS = 7


def _search(request, rendezvous, data):
    lieux = agent_selectors.lieux_for_motif(user=request.user, motif=rendezvous.motif)
    form = MoveSearchForm(data, lieux=lieux)
    lieu, week = None, None
    if form.is_bound and form.is_valid():
        lieu = next((one for one in lieux if one.pk == form.cleaned_data["lieu"]), None)
        week = form.cleaned_data["week"]
    return form, lieux, lieu, week or timezone.localdate()


def _days(request, rendezvous, lieu, lieux, week: datetime.date) -> OrderedDict:
    tz = timezone.get_current_timezone()
    start = max(datetime.datetime.combine(week, datetime.time.min, tzinfo=tz), timezone.now())
    end = datetime.datetime.combine(week + datetime.timedelta(days=SLOT_DAYS), datetime.time.min, tzinfo=tz)
    slots = agent_selectors.slots_for_move(user=request.user, rendezvous=rendezvous, start=start, end=end, lieu=lieu)
    agents = agent_selectors.agents_by_id(user=request.user, ids={s.agent_id for s in slots})
    by_pk = {one.pk: one for one in lieux}
    days: OrderedDict = OrderedDict()
    for slot in slots:
        local = timezone.localtime(slot.starts_at)
        lieu_id = slot.lieu_id if rendezvous.motif.needs_lieu else ""
        days.setdefault(local.date(), []).append(
            {
                "value": f"{slot.starts_at.isoformat()}|{slot.agent_id}|{lieu_id}",
                "local": local,
                "agent": agents.get(slot.agent_id),
                "lieu": by_pk.get(slot.lieu_id),
            }
        )
    return days


@require_http_methods(["GET", "POST"])
def rdv_move(request, pk):
    """Choose the new slot (GET: lieu and week; the slots as radio buttons) and move the appointment (POST)."""
    rendezvous = agent_selectors.rendezvous_detail_get(user=request.user, pk=pk, request=request)
    if not agent_perms.can_move_rendezvous(request.user, rendezvous):
        raise Http404
    query = request.GET if request.method == "GET" else request.POST
    search, lieux, lieu, week = _search(request, rendezvous, query if ("lieu" in query or "week" in query) else None)
    move_form = MoveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and move_form.is_valid():
        choice = move_form.cleaned_data["slot"]
        new_lieu = next((one for one in lieux if one.pk == choice["lieu"]), None)
        agent = agent_selectors.agents_by_id(user=request.user, ids=[choice["agent"]]).get(choice["agent"])
        try:
            if agent is None or (choice["lieu"] is not None and new_lieu is None):
                raise services.slot_taken_error()
            services.rdv_move(
                rendezvous=rendezvous, starts_at=choice["starts_at"], lieu=new_lieu, agent=agent, actor=request.user
            )
        except ValidationError as error:
            add_service_error(move_form, error)
        else:
            messages.success(request, _("Le rendez-vous est déplacé ; les personnes prévenues le seront."))
            return redirect("backoffice:rdv_detail", pk=rendezvous.pk)
    context = {
        "rendezvous": rendezvous,
        "search": search,
        "move_form": move_form,
        "lieu": lieu,
        "week": week,
        "days": _days(request, rendezvous, lieu, lieux, week),
        "next_week": f"{week + datetime.timedelta(days=SLOT_DAYS):%d/%m/%Y}",
    }
    return render(request, "backoffice/rendezvous/move.html", context)
