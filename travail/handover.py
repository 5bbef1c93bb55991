"""Handing over an absent colleague's work (a write service: the team manager's one action).

Lives beside ``services`` because it calls the other apps' own services for each thing it moves (requests,
letters, accompaniments), so each move keeps that app's history, events and access rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from demandes import services as request_services
from demandes.models import Request
from demandes.perms import is_team_member
from dossier_unique.models import Accompaniment
from dossier_unique.services.referent import accompaniment_referent_change
from grc.history import save_tracked
from grc.models import Membership
from grc.perms import is_agent, membership_current_q
from mail import services as mail_services
from mail.models import MailItem

from . import perms
from .models import Notification, Task
from .services import notification_send


@dataclass
class HandoverLine:
    kind: str  # "demande", "courrier", "accompagnement", "tâche"
    label: str  # a code or a number, never a name
    moved: bool
    message: str


def managed_team_ids(user) -> list[int]:
    """Teams ``user`` currently manages."""
    return list(
        Membership.objects.filter(membership_current_q(roles=[Membership.Role.TEAM_MANAGER]), user=user).values_list(
            "team_id", flat=True
        )
    )


def handover_preview(*, actor, absent) -> dict[str, int]:
    """How many requests, letters, accompaniments and tasks ``work_hand_over`` would move (for the confirmation)."""
    if not perms.is_manager_of(actor, absent):
        raise PermissionDenied
    teams = managed_team_ids(actor)
    return {
        "requests": Request.objects.filter(
            assigned_to=absent, status__in=Request.OPEN_STATUSES, team_id__in=teams
        ).count(),
        "letters": MailItem.objects.filter(
            assigned_to=absent, status=MailItem.Status.ROUTED, team_id__in=teams
        ).count(),
        "accompaniments": Accompaniment.objects.filter(
            referent=absent, status=Accompaniment.Status.OPEN, team_id__in=teams
        ).count(),
        "tasks": Task.objects.filter(assignee=absent, done_at__isnull=True).count(),
    }


def _move_requests(*, actor, absent, to_user, teams) -> list[HandoverLine]:
    lines = []
    rows = Request.objects.filter(assigned_to=absent, status__in=Request.OPEN_STATUSES, team_id__in=teams)
    for req in rows.order_by("pk"):
        taker = to_user if is_team_member(to_user, req.team_id) else None
        request_services.request_assign(request=req, user=taker, actor=actor)
        message = _("confiée à %(name)s") % {"name": to_user} if taker else _("remise dans la bannette de l'équipe")
        lines.append(HandoverLine("demande", req.tracking_code, True, message))
    return lines


def _move_letters(*, actor, absent, to_user, teams) -> list[HandoverLine]:
    lines = []
    rows = MailItem.objects.filter(assigned_to=absent, status=MailItem.Status.ROUTED, team_id__in=teams)
    for item in rows.order_by("pk"):
        try:
            mail_services.mail_assign(item=item, user=to_user, actor=actor)
        except ValidationError as error:
            lines.append(HandoverLine("courrier", item.registration_number, False, " ".join(error.messages)))
        else:
            lines.append(HandoverLine("courrier", item.registration_number, True, _("attribué")))
    return lines


def _move_accompaniments(*, actor, absent, to_user, teams, reason) -> list[HandoverLine]:
    lines = []
    rows = Accompaniment.objects.filter(referent=absent, status=Accompaniment.Status.OPEN, team_id__in=teams)
    for acc in rows.order_by("pk"):
        label = _("dossier n° %(n)s") % {"n": acc.file_id}
        try:
            accompaniment_referent_change(accompaniment=acc, referent=to_user, actor=actor, reason=reason)
        except ValidationError as error:
            lines.append(HandoverLine("accompagnement", label, False, " ".join(error.messages)))
        else:
            lines.append(HandoverLine("accompagnement", label, True, _("nouveau référent")))
    return lines


def _move_tasks(*, actor, absent, to_user) -> list[HandoverLine]:
    lines = []
    for task in Task.objects.filter(assignee=absent, done_at__isnull=True).order_by("pk"):
        task.assignee = to_user
        save_tracked(task, actor, "reprise pendant une absence")
        lines.append(HandoverLine("tâche", f"#{task.pk}", True, _("confiée")))
    return lines


@transaction.atomic
def work_hand_over(*, actor, absent, to_user, reason: str) -> list[HandoverLine]:
    """Move ``absent``'s open requests, routed letters and accompaniments (as referent) in the teams ``actor``
    manages, and their open tasks, to ``to_user``, in one transaction; a line per thing, moved or why not.

    Each move goes through its app's service (history with ``actor``, request events, access recomputed).
    A request whose team ``to_user`` is not in goes back to its team's queue; a letter or accompaniment
    they cannot take stays and says why. ``to_user`` is notified once.
    """
    if not perms.is_manager_of(actor, absent):
        raise PermissionDenied(_("Vous n'êtes pas responsable d'une équipe de cet agent."))
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": [_("Indiquez le motif (absence, départ…).")]}, code="required")
    if to_user is None or not is_agent(to_user) or to_user.pk == absent.pk:
        raise ValidationError({"to_user": [_("Choisissez un autre agent.")]}, code="to_user")
    if not perms.can_assign_to(actor, to_user):
        raise ValidationError({"to_user": [_("Cet agent ne fait pas partie de vos équipes.")]}, code="to_user")
    teams = managed_team_ids(actor)
    lines = _move_requests(actor=actor, absent=absent, to_user=to_user, teams=teams)
    lines += _move_letters(actor=actor, absent=absent, to_user=to_user, teams=teams)
    lines += _move_accompaniments(actor=actor, absent=absent, to_user=to_user, teams=teams, reason=reason)
    lines += _move_tasks(actor=actor, absent=absent, to_user=to_user)
    if any(line.moved for line in lines):
        notification_send(
            recipients=[to_user], kind=Notification.Kind.WORK_TRANSFERRED, url=reverse("backoffice:home")
        )
    return lines
