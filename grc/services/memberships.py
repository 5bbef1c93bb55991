"""Team memberships and roles: the only writes of ``grc.Membership`` (Django admin, demo, commands).

A membership is what opens a team's queues and, in a file role, its social files
(``grc.file_access``). So every change goes through here, with its history (who, why), and:

- **Nobody grants themselves access.** When the person acting is the person whose membership would
  be created or widened (a new membership, another role or team, an earlier start, a later or no
  end), the change is refused by ``membership_create``/``membership_update``; the admin stores it as
  a pending ``MembershipRequest`` (``membership_request_create``) that ANOTHER administrator
  approves or refuses (``membership_request_approve``/``_refuse``). Narrowing one's own membership
  (ending it, a later start, an earlier end) is immediate: it takes access away.
- **An administrator granting someone else is immediate**: teams must not wait for a second person
  to onboard an agent. The DPO sees it all the same: every change that opens social files raises an
  alert (``grc.audit.alerts.membership_alert_raise``) naming who did it, for whom and which team.
- ``actor=None`` is a management command run on the server (demo data, ``create_api_token``).

Validation errors are ``ValidationError`` with French messages keyed by field, never a database error.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grc import file_access, perms
from grc.audit.alerts import membership_alert_raise
from grc.history import save_tracked, track
from grc.models import Membership, MembershipRequest, Team, User

SELF_GRANT_MESSAGE = gettext_lazy(
    "Vous ne pouvez pas vous attribuer vous-même un accès : votre demande doit être validée par un autre "
    "administrateur."
)


def _widens(*, membership: Membership | None, team: Team, role: str, start_date, end_date) -> bool:
    """Whether these values give more than ``membership`` held (always, for a new membership)."""
    if membership is None:
        return True
    if team.pk != membership.team_id or role != membership.role or start_date < membership.start_date:
        return True
    if membership.end_date is None:
        return False
    return end_date is None or end_date > membership.end_date


def membership_change_is_self_grant(
    *, actor, user: User, team: Team, role: str, start_date, end_date=None, membership: Membership | None = None
) -> bool:
    """Whether this change would give ``actor`` more access than they have: it needs another administrator."""
    if actor is None or actor.pk != user.pk:
        return False
    return _widens(membership=membership, team=team, role=role, start_date=start_date, end_date=end_date)


def membership_check(*, user: User, team: Team, role: str, start_date, end_date, exclude_pk=None) -> None:
    """``ValidationError`` (French, by field) when these values cannot be saved; forms call it too."""
    errors = {}
    if role not in Membership.Role.values:
        errors["role"] = _("Rôle inconnu.")
    if not team.is_active:
        errors["team"] = _("Cette équipe n'est plus active.")
    if end_date is not None and end_date < start_date:
        errors["end_date"] = _("La fin ne peut précéder le début.")
    if not errors and end_date is None:
        open_same = Membership.objects.filter(user=user, team=team, role=role, end_date__isnull=True)
        if exclude_pk is not None:
            open_same = open_same.exclude(pk=exclude_pk)
        if open_same.exists():
            errors["role"] = _("Cet agent a déjà ce rôle dans cette équipe, sans date de fin.")
    if errors:
        raise ValidationError(errors)


def _alert_if_opens_files(*, membership: Membership, actor, change: str, requested_by=None) -> None:
    """DPO alert when the membership, as it now stands, opens social files (see ``grc.file_access``)."""
    today = timezone.localdate()
    if membership.end_date is not None and membership.end_date < today:
        return
    if membership.role not in file_access.opening_roles():
        return
    files = file_access.files_opened(user_id=membership.user_id, team_id=membership.team_id, role=membership.role)
    if files:
        membership_alert_raise(
            membership=membership,
            actor=actor,
            change=change,
            files=files,
            history_id=membership.history.latest().history_id,
            requested_by=requested_by,
        )


def _create(*, actor, user, team, role, start_date, end_date, reason, requested_by=None) -> Membership:
    membership_check(user=user, team=team, role=role, start_date=start_date, end_date=end_date)
    membership = Membership(user=user, team=team, role=role, start_date=start_date, end_date=end_date)
    save_tracked(membership, actor, reason or "ajout à l'équipe")
    _alert_if_opens_files(membership=membership, actor=actor, change="ajout à l'équipe", requested_by=requested_by)
    return membership


def _update(*, actor, membership, team, role, start_date, end_date, reason, requested_by=None) -> Membership:
    membership_check(
        user=membership.user, team=team, role=role, start_date=start_date, end_date=end_date, exclude_pk=membership.pk
    )
    widened = _widens(membership=membership, team=team, role=role, start_date=start_date, end_date=end_date)
    changed = (team.pk, role, start_date, end_date) != (
        membership.team_id,
        membership.role,
        membership.start_date,
        membership.end_date,
    )
    if not changed:
        return membership
    membership.team, membership.role, membership.start_date, membership.end_date = team, role, start_date, end_date
    save_tracked(membership, actor, reason or "modification de l'appartenance")
    if widened:
        _alert_if_opens_files(
            membership=membership, actor=actor, change="appartenance élargie", requested_by=requested_by
        )
    return membership


@transaction.atomic
def membership_create(
    *,
    actor: User | None,
    user: User,
    team: Team,
    role: str,
    start_date: datetime.date | None = None,
    end_date: datetime.date | None = None,
    reason: str = "",
) -> Membership:
    """Put ``user`` in ``team`` with ``role`` from ``start_date`` (today by default), with history.

    Refused (``ValidationError``) when ``actor`` is ``user``: see the module docstring. Raises the
    DPO alert when the membership opens social files.
    """
    start_date = start_date or timezone.localdate()
    if membership_change_is_self_grant(actor=actor, user=user, team=team, role=role, start_date=start_date):
        raise ValidationError({"user": SELF_GRANT_MESSAGE})
    return _create(
        actor=actor, user=user, team=team, role=role, start_date=start_date, end_date=end_date, reason=reason
    )


@transaction.atomic
def membership_update(
    *,
    actor: User | None,
    membership: Membership,
    role: str,
    start_date: datetime.date,
    end_date: datetime.date | None,
    team: Team | None = None,
    reason: str = "",
) -> Membership:
    """Change a membership's team, role or dates, with history.

    Refused (``ValidationError``) when ``actor`` widens their own membership; narrowing it is
    immediate. Raises the DPO alert when a widened membership opens social files.
    """
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    team = team or membership.team
    if membership_change_is_self_grant(
        actor=actor,
        user=membership.user,
        team=team,
        role=role,
        start_date=start_date,
        end_date=end_date,
        membership=membership,
    ):
        raise ValidationError({"user": SELF_GRANT_MESSAGE})
    return _update(
        actor=actor,
        membership=membership,
        team=team,
        role=role,
        start_date=start_date,
        end_date=end_date,
        reason=reason,
    )


@transaction.atomic
def membership_end(
    *, actor: User | None, membership: Membership, end_date: datetime.date | None = None, reason: str = ""
) -> Membership | None:
    """End a membership: from ``end_date`` on (default: yesterday, so access stops now) it gives nothing.

    ``end_date`` is the last day the membership counted. One that would end before it started (it
    never counted) is deleted instead; its history keeps it, with the actor and the reason. Anyone
    allowed to manage memberships may end their own: it takes access away.
    """
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    end_date = end_date or timezone.localdate() - datetime.timedelta(days=1)
    reason = reason or "fin de l'appartenance"
    if end_date < membership.start_date:
        track(membership, actor, reason).delete()
        return None
    if membership.end_date is not None and membership.end_date <= end_date:
        return membership
    membership.end_date = end_date
    return save_tracked(membership, actor, reason, update_fields=["end_date"])


@transaction.atomic
def membership_request_create(
    *,
    actor: User,
    user: User,
    team: Team,
    role: str,
    start_date: datetime.date | None = None,
    end_date: datetime.date | None = None,
    membership: Membership | None = None,
    reason: str = "",
) -> MembershipRequest:
    """Store a membership (new, or a change of ``membership``) ``actor`` asks for: it waits for another admin.

    The same pending request asked again is returned as it is.
    """
    start_date = start_date or timezone.localdate()
    membership_check(
        user=user,
        team=team,
        role=role,
        start_date=start_date,
        end_date=end_date,
        exclude_pk=membership.pk if membership else None,
    )
    pending = MembershipRequest.objects.filter(
        user=user, team=team, role=role, membership=membership, status=MembershipRequest.Status.PENDING
    )
    if pending.exists():
        raise ValidationError(
            {"role": _("Une demande identique attend déjà la validation d'un autre administrateur.")}
        )
    request = MembershipRequest(
        user=user,
        team=team,
        role=role,
        start_date=start_date,
        end_date=end_date,
        membership=membership,
        reason=(reason or "")[:255],
        requested_by=actor,
    )
    return save_tracked(request, actor, "demande d'appartenance")


def _decidable(*, actor, membership_request: MembershipRequest) -> MembershipRequest:
    locked = MembershipRequest.objects.select_for_update(of=("self",)).select_related("user", "team", "requested_by")
    membership_request = locked.get(pk=membership_request.pk)
    if membership_request.status != MembershipRequest.Status.PENDING:
        raise ValidationError(_("Cette demande a déjà été traitée."))
    if actor is not None and actor.pk in (membership_request.requested_by_id, membership_request.user_id):
        raise PermissionDenied(_("Un autre administrateur doit valider cette demande : pas vous."))
    if not perms.can_decide_membership_request(actor, membership_request):
        raise PermissionDenied(_("Vous n'avez pas le droit de valider les demandes d'appartenance."))
    return membership_request


@transaction.atomic
def membership_request_approve(*, actor: User, membership_request: MembershipRequest, reason: str = "") -> Membership:
    """Another administrator approves the request: the membership is created or changed in their name."""
    membership_request = _decidable(actor=actor, membership_request=membership_request)
    why = f"demande n° {membership_request.pk} de {membership_request.requested_by} approuvée"
    if reason:
        why = f"{why} : {reason}"
    values = {
        "team": membership_request.team,
        "role": membership_request.role,
        "start_date": membership_request.start_date,
        "end_date": membership_request.end_date,
    }
    if membership_request.membership_id:
        target = Membership.objects.select_for_update().get(pk=membership_request.membership_id)
        membership = _update(
            actor=actor, membership=target, reason=why, requested_by=membership_request.requested_by, **values
        )
    else:
        membership = _create(
            actor=actor,
            user=membership_request.user,
            reason=why,
            requested_by=membership_request.requested_by,
            **values,
        )
    membership_request.status = MembershipRequest.Status.APPROVED
    membership_request.membership = membership
    membership_request.decided_by = actor
    membership_request.decided_at = timezone.now()
    membership_request.decision_reason = (reason or "")[:255]
    save_tracked(membership_request, actor, "demande approuvée")
    return membership


@transaction.atomic
def membership_request_refuse(
    *, actor: User, membership_request: MembershipRequest, reason: str = ""
) -> MembershipRequest:
    """Another administrator refuses the request: nothing changes but the request's status."""
    membership_request = _decidable(actor=actor, membership_request=membership_request)
    membership_request.status = MembershipRequest.Status.REFUSED
    membership_request.decided_by = actor
    membership_request.decided_at = timezone.now()
    membership_request.decision_reason = (reason or "")[:255]
    return save_tracked(membership_request, actor, "demande refusée")
