"""Qualification and routing of incoming mail: every write after recognition.

Life of an item here: recognised (or manual) → **qualified** (an agent confirmed the citizen or "not
about a citizen", the type, the team, the due date, a linked or newly opened request) → **routed** (in
the team's bannette; a ``MAIL_ROUTED`` entry on the citizen's timeline when they have a social file)
→ assigned / forwarded with a reason → **handled**.

Each service locks the item row, checks the transition, saves it with history (who and why) and
writes a ``MailEvent`` in the same transaction. Permission checks (who may qualify, who may work a
team's queue) are the views' and API's job through the selectors; services only enforce the rules
that hold for everyone (states, a request belonging to the same citizen, a team member to assign).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grc.history import save_tracked
from mail.models import MailEvent, MailItem
from mail.suggest import due_date_for
from grc.perms import membership_current_q

QUALIFIABLE = (MailItem.Status.RECOGNISED, MailItem.Status.MANUAL, MailItem.Status.QUALIFIED)


def _locked(item: MailItem) -> MailItem:
    return MailItem.objects.select_for_update().get(pk=item.pk)


def _event(item, *, kind, actor, team=None, comment=""):
    return MailEvent.objects.create(item=item, kind=kind, actor=actor, team=team, comment=comment)


def _refresh(target: MailItem, source: MailItem) -> MailItem:
    """Copy the saved state onto the caller's instance so it sees what was written."""
    for f in MailItem._meta.concrete_fields:
        setattr(target, f.attname, getattr(source, f.attname))
    return target


def _is_team_member(user, team, today=None) -> bool:
    from grc.models import Membership

    today = today or timezone.localdate()
    return Membership.objects.filter(membership_current_q(on=today), user=user, team=team).exists()


@transaction.atomic
def mail_qualify(
    item: MailItem,
    *,
    actor,
    mail_type,
    team,
    citizen=None,
    no_citizen: bool = False,
    due_date: datetime.date | None = None,
    request=None,
    open_request: bool = False,
) -> MailItem:
    """Record the agent's decision on a recognised (or manual) letter; it can be corrected until routed.

    Rules: exactly one of ``citizen`` and ``no_citizen``; an active type and an active team; a linked
    ``request`` must be the same citizen's; ``open_request`` opens a request (channel "mail") for the
    citizen through ``demandes.services.request_open``. Without ``due_date`` the type's service
    level (working days from reception) applies.
    """
    errors = {}
    if citizen is None and not no_citizen:
        errors["citizen"] = _("Choisissez l'usager concerné ou indiquez que le courrier ne concerne pas un usager.")
    if citizen is not None and no_citizen:
        errors["citizen"] = _("Un courrier ne peut pas à la fois concerner un usager et n'en concerner aucun.")
    if citizen is not None and getattr(citizen, "status", "active") != "active":
        errors["citizen"] = _("Cette fiche usager n'est plus active (fusionnée ou archivée).")
    if mail_type is None or not mail_type.is_active:
        errors["mail_type"] = _("Choisissez un type de courrier actif.")
    if team is None or not team.is_active:
        errors["team"] = _("Choisissez une équipe active.")
    if request is not None and open_request:
        errors["request"] = _("Liez une demande existante ou ouvrez-en une nouvelle, pas les deux.")
    if request is not None and (citizen is None or request.citizen_id != citizen.pk):
        errors["request"] = _("Cette demande ne concerne pas l'usager choisi.")
    if open_request and citizen is None:
        errors["request"] = _("Pour ouvrir une demande, choisissez d'abord l'usager.")
    if errors:
        raise ValidationError(errors)

    locked = _locked(item)
    if locked.status not in QUALIFIABLE:
        raise ValidationError(
            _("Ce courrier ne peut plus être qualifié (statut « %(status)s »).")
            % {"status": locked.get_status_display()}
        )
    if due_date is None:
        due_date = due_date_for(mail_type, timezone.localdate(locked.received_at))
    if open_request:
        from demandes.models import Request
        from demandes.services import request_open

        request = request_open(
            citizen=citizen,
            procedure_title=mail_type.name,
            team=team,
            channel=Request.Channel.MAIL,
            actor=actor,
            due_date=due_date,
        )
    locked.citizen = citizen
    locked.no_citizen = bool(no_citizen)
    locked.mail_type = mail_type
    locked.team = team
    locked.due_date = due_date
    locked.request = request
    locked.qualified_by = actor
    locked.qualified_at = timezone.now()
    locked.status = MailItem.Status.QUALIFIED
    save_tracked(locked, actor, _("Qualification du courrier"))
    comment = f"{mail_type.name} — {team.name}"
    if request is not None:
        comment += f" — {request.tracking_code}"
    _event(locked, kind=MailEvent.Kind.QUALIFIED, actor=actor, team=team, comment=comment)
    return _refresh(item, locked)


def _timeline_entry(item: MailItem, actor) -> None:
    """A ``MAIL_ROUTED`` entry on the citizen's social file, if they have one (never creates a file)."""
    from dossier_unique.models import SocialFile, TimelineEntry, Visibility

    if item.citizen_id is None:
        return
    file = SocialFile.objects.filter(citizen_id=item.citizen_id).first()
    if file is None:
        return
    title = _("Courrier %(number)s (%(type)s) aiguillé vers %(team)s") % {
        "number": item.registration_number,
        "type": item.mail_type.name if item.mail_type_id else _("sans type"),
        "team": item.team.name,
    }
    entry = TimelineEntry(
        citizen_id=item.citizen_id,
        file=file,
        kind=TimelineEntry.Kind.MAIL_ROUTED,
        title=title[:200],
        visibility=Visibility.FILE,
        author=actor,
        source_type=item._meta.label_lower,
        source_id=str(item.pk),
    )
    save_tracked(entry, actor)


@transaction.atomic
def mail_route(item: MailItem, *, actor) -> MailItem:
    """Put a qualified letter in its team's bannette and on the citizen's timeline."""
    locked = _locked(item)
    if locked.status != MailItem.Status.QUALIFIED:
        raise ValidationError(_("Seul un courrier qualifié peut être aiguillé."))
    locked.status = MailItem.Status.ROUTED
    locked.routed_at = timezone.now()
    save_tracked(locked, actor, _("Aiguillage vers l'équipe"))
    _event(locked, kind=MailEvent.Kind.ROUTED, actor=actor, team=locked.team)
    _timeline_entry(locked, actor)
    return _refresh(item, locked)


@transaction.atomic
def mail_assign(item: MailItem, user, *, actor=None) -> MailItem:
    """Give a routed letter to a member of its team (``user`` takes it: "m'attribuer")."""
    actor = actor or user
    locked = _locked(item)
    if locked.status != MailItem.Status.ROUTED:
        raise ValidationError(_("Seul un courrier aiguillé et non traité peut être attribué."))
    if not _is_team_member(user, locked.team):
        raise ValidationError(_("Cet agent ne fait pas partie de l'équipe destinataire."))
    locked.assigned_to = user
    save_tracked(locked, actor, _("Attribution"))
    _event(locked, kind=MailEvent.Kind.ASSIGNED, actor=actor, team=locked.team, comment=user.get_full_name())
    return _refresh(item, locked)


@transaction.atomic
def mail_forward(item: MailItem, team, reason: str, *, actor) -> MailItem:
    """Send a routed letter to another team, with the reason shown in its history; unassigns it."""
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = _("Indiquez le motif du transfert.")
    if team is None or not team.is_active:
        errors["team"] = _("Choisissez une équipe active.")
    if errors:
        raise ValidationError(errors)
    locked = _locked(item)
    if locked.status != MailItem.Status.ROUTED:
        raise ValidationError(_("Seul un courrier aiguillé et non traité peut être transféré."))
    if locked.team_id == team.pk:
        raise ValidationError({"team": _("Le courrier est déjà dans la bannette de cette équipe.")})
    locked.team = team
    locked.assigned_to = None
    save_tracked(locked, actor, _("Transfert : %(reason)s") % {"reason": reason[:80]})
    _event(locked, kind=MailEvent.Kind.FORWARDED, actor=actor, team=team, comment=reason)
    return _refresh(item, locked)


@transaction.atomic
def mail_handle(item: MailItem, *, actor, comment: str = "") -> MailItem:
    """Mark a routed letter as handled (leaves the bannette's "to do" list)."""
    locked = _locked(item)
    if locked.status != MailItem.Status.ROUTED:
        raise ValidationError(_("Seul un courrier aiguillé peut être marqué comme traité."))
    locked.status = MailItem.Status.HANDLED
    locked.handled_by = actor
    locked.handled_at = timezone.now()
    save_tracked(locked, actor, _("Courrier traité"))
    _event(locked, kind=MailEvent.Kind.HANDLED, actor=actor, team=locked.team, comment=comment.strip())
    return _refresh(item, locked)
