"""An agent's absences in the back office: typed in, or imported from their calendar (an ICS file).

The agent manages their own; a team manager those of their team's agents (``rendezvous.agent_perms``). An ICS
file is read by ``rendezvous.ics_import`` (hostile files refused with a French reason, nothing written); the
import says how many absences were added, changed, removed, and how many booked appointments fall in them.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from backoffice.rendezvous.forms import AbsenceForm, IcsImportForm
from grc.forms import add_service_error
from rendezvous import agent_perms, agent_selectors, services


def _agent(request, agent_pk):
    if not agent_perms.can_use_agendas(request.user):
        raise Http404
    if agent_pk is None:
        return request.user
    agents = {a.pk: a for a in agent_selectors.agenda_agents(user=request.user)}
    agent = agents.get(agent_pk)
    if agent is None or not agent_perms.can_manage_absences(request.user, agent):
        raise Http404
    return agent


def _page_url(request, agent) -> str:
    if agent.pk == request.user.pk:
        return reverse("backoffice:rdv_absences")
    return reverse("backoffice:rdv_absences_agent", args=[agent.pk])


def _render(request, agent, *, form=None, import_form=None, status=200):
    context = {
        "agent": agent,
        "absences": list(agent_selectors.absences_for(user=request.user, agent=agent)),
        "form": form or AbsenceForm(),
        "import_form": import_form or IcsImportForm(),
        "page_url": _page_url(request, agent),
    }
    return render(request, "backoffice/rendezvous/absences.html", context, status=status)


@require_http_methods(["GET", "POST"])
def rdv_absences(request, agent_pk=None):
    """The agent's absences (from 30 days ago), the form to add one and the ICS import."""
    agent = _agent(request, agent_pk)
    if request.method == "GET":
        return _render(request, agent)
    form = AbsenceForm(request.POST)
    if form.is_valid():
        try:
            absence = services.absence_create(
                agent=agent,
                starts_at=form.cleaned_data["starts_at"],
                ends_at=form.cleaned_data["ends_at"],
                title=form.cleaned_data["title"],
                actor=request.user,
            )
        except ValidationError as error:
            add_service_error(form, error, fields={"ends_at": "end_date", "starts_at": "start_date"})
        else:
            messages.success(request, _("L'absence est enregistrée : aucun créneau n'est plus proposé pendant."))
            if absence.overlapping:
                messages.warning(
                    request,
                    _("%(n)s rendez-vous déjà pris tombent pendant cette absence : déplacez-les ou annulez-les.")
                    % {"n": absence.overlapping},
                )
            return redirect(_page_url(request, agent))
    return _render(request, agent, form=form)


@require_POST
def rdv_absences_import(request, agent_pk):
    """Import the absences of an ICS calendar file (re-importing the same file changes nothing)."""
    agent = _agent(request, agent_pk)
    form = IcsImportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            result = services.absences_import_ics(
                agent=agent, upload=form.cleaned_data["calendar"], actor=request.user
            )
        except ValidationError as error:
            add_service_error(form, error, default_field="calendar")
        else:
            messages.success(
                request,
                _(
                    "Calendrier importé : %(created)s absence(s) ajoutée(s), %(updated)s modifiée(s), "
                    "%(removed)s retirée(s)."
                )
                % {"created": result.created, "updated": result.updated, "removed": result.removed},
            )
            if result.overlapping:
                messages.warning(
                    request,
                    _("%(n)s rendez-vous déjà pris tombent pendant ces absences : déplacez-les ou annulez-les.")
                    % {"n": result.overlapping},
                )
            return redirect(_page_url(request, agent))
    return _render(request, agent, import_form=form)


@require_POST
def rdv_absence_delete(request, pk):
    """Remove an absence: its time is offered again."""
    absence = agent_selectors.absence_get(user=request.user, pk=pk)
    agent = absence.agent
    services.absence_delete(absence=absence, actor=request.user)
    messages.success(request, _("L'absence est supprimée."))
    return redirect(_page_url(request, agent))
