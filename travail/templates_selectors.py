"""Reads of message templates, and a template rendered for one request or citizen. Every selector takes
the user; a template they may not manage (or use) is a 404.

A template's text names nobody (placeholders only): listing templates writes no access-log row. Rendering
one for a request reads the request through ``demandes.selectors.request_get``, which logs.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from grc.models import Membership, Team
from grc.perms import current_team_ids, membership_current_q
from rendezvous.models import Participant, Rendezvous

from . import letters_perms
from .models import MessageTemplate
from .templates_render import Values, render, values_for


def templates_managed(*, user) -> QuerySet[MessageTemplate]:
    """The templates of the teams ``user`` manages, by team then name."""
    return (
        MessageTemplate.objects.filter(team_id__in=letters_perms.managed_team_ids(user))
        .select_related("team")
        .order_by("team__name", "name")
    )


def managed_teams(*, user) -> list[Team]:
    return list(Team.objects.filter(pk__in=letters_perms.managed_team_ids(user)).order_by("name"))


def template_managed_get(*, user, pk) -> MessageTemplate:
    """One template of a team ``user`` manages, else ``Http404``."""
    template = templates_managed(user=user).filter(pk=pk).first()
    if template is None:
        raise Http404
    return template


def templates_usable(*, user, team_id=None) -> QuerySet[MessageTemplate]:
    """The templates ``user`` may use (their current teams'), narrowed to ``team_id`` if given."""
    qs = MessageTemplate.objects.filter(letters_perms.usable_templates_q(user)).select_related("team")
    if team_id is not None:
        qs = qs.filter(team_id=team_id)
    return qs.order_by("team__name", "name")


def template_usable_get(*, user, pk) -> MessageTemplate:
    """One template ``user`` may use, else ``Http404`` (an id that is not a number too)."""
    pk = str(pk)
    if not (pk.isascii() and pk.isdigit() and len(pk) <= 18):
        raise Http404
    template = templates_usable(user=user).filter(pk=int(pk)).first()
    if template is None:
        raise Http404
    return template


def next_appointment_at(*, user, citizen_id):
    """When ``citizen_id``'s next appointment with an agent of ``user``'s teams starts (None: none to come).

    Only the teams' own appointments: a letter from one service does not reveal that the citizen sees
    another one."""
    if citizen_id is None:
        return None
    colleagues = Membership.objects.filter(membership_current_q(), team_id__in=current_team_ids(user)).values(
        "user_id"
    )
    participation = (
        Participant.objects.filter(
            citizen_id=citizen_id,
            status=Participant.Status.A_VENIR,
            rendezvous__status=Rendezvous.Status.ACTIVE,
            rendezvous__starts_at__gte=timezone.now(),
            rendezvous__agent_id__in=colleagues,
        )
        .order_by("rendezvous__starts_at")
        .values_list("rendezvous__starts_at", flat=True)
        .first()
    )
    return participation


def values_for_request(*, user, request_obj, team=None) -> Values:
    """The placeholder values of a message or letter about ``request_obj`` (already read by ``user``)."""
    return values_for(
        request=request_obj,
        appointment_at=next_appointment_at(user=user, citizen_id=request_obj.citizen_id),
        author=user,
        team=team or request_obj.team,
    )


def request_message_prefill(*, user, request_obj, template_id) -> tuple[list[MessageTemplate], str, list[str]]:
    """For the request message form: the templates ``user`` may use, and (when ``template_id`` is given) that
    template's text rendered for ``request_obj`` with the placeholders that have no value left as typed.

    ``request_obj`` was read by the caller through ``demandes.selectors.request_get`` (404 and access log
    there). An unknown or foreign ``template_id`` is a 404.
    """
    templates = list(templates_usable(user=user))
    if not template_id:
        return templates, "", []
    template = template_usable_get(user=user, pk=template_id)
    text, missing = render(template.body, values_for_request(user=user, request_obj=request_obj), keep_missing=True)
    return templates, text, missing
