"""Writes on the structures that file requests (``Organisation``) and their members; filing for a structure.

Every write keeps history (``grc.history.save_tracked``). Rules: a portal account (never staff)
creates a structure and becomes its administrator; administrators add and remove members and
administrators, and a structure always keeps one administrator; a draft is filed for a structure
only by one of its members.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from grc.history import save_tracked, track
from grc.models import User

from .identifiers import clean_identifier
from .models import Organisation, OrganisationMember, Request
from .perms import is_citizen_account, is_organisation_member


def _require_account(user) -> None:
    if not is_citizen_account(user):
        raise ValidationError(_("Seul un usager connecté à son compte peut agir pour une structure."), code="account")


@transaction.atomic
def organisation_create(*, user, name: str, kind: str, siret: str = "", rna: str = "") -> Organisation:
    """Create a structure identified by its SIRET or RNA number; ``user`` becomes its administrator.

    A structure already known by the same SIRET or RNA is not created twice: its administrator adds
    the new member (the message says so, without naming anyone).
    """
    _require_account(user)
    organisation = Organisation(
        name=(name or "").strip(), kind=kind, siret=clean_identifier(siret), rna=clean_identifier(rna)
    )
    if not organisation.siret and not organisation.rna:
        raise ValidationError(
            {"siret": [_("Indiquez le SIRET de la structure ou, pour une association, son numéro RNA.")]}
        )
    organisation.full_clean(validate_constraints=False)
    taken = (
        Organisation.objects.filter(siret=organisation.siret) if organisation.siret else Organisation.objects.none()
    )
    if organisation.rna:
        taken = taken | Organisation.objects.filter(rna=organisation.rna)
    if taken.exists():
        raise ValidationError(
            _("Cette structure a déjà un espace : demandez à son administrateur de vous y ajouter."), code="exists"
        )
    save_tracked(organisation, user, "structure créée")
    save_tracked(OrganisationMember(organisation=organisation, user=user, role=OrganisationMember.Role.ADMIN), user)
    return organisation


def _require_admin(organisation: Organisation, actor) -> None:
    if not is_organisation_member(actor, organisation.pk, admin=True):
        raise ValidationError(_("Seul un administrateur de la structure peut gérer ses membres."), code="admin")


@transaction.atomic
def organisation_member_add(*, organisation: Organisation, actor, email: str, role: str) -> OrganisationMember:
    """Add the portal account of ``email`` to the structure (or change its role); administrators only."""
    _require_admin(organisation, actor)
    if role not in OrganisationMember.Role.values:
        raise ValidationError({"role": [_("Choisissez un rôle.")]})
    user = User.objects.filter(email__iexact=(email or "").strip(), is_staff=False, is_active=True).first()
    if user is None:
        raise ValidationError(
            {"email": [_("Aucun compte usager n'utilise cette adresse : la personne doit d'abord créer son compte.")]}
        )
    member = OrganisationMember.objects.filter(organisation=organisation, user=user).first()
    if member is None:
        member = OrganisationMember(organisation=organisation, user=user)
    elif member.role == OrganisationMember.Role.ADMIN and role != member.role:
        _keep_an_admin(organisation, leaving=member)
    member.role = role
    return save_tracked(member, actor, "membre ajouté ou rôle changé")


def _keep_an_admin(organisation: Organisation, *, leaving: OrganisationMember) -> None:
    others = organisation.members.filter(role=OrganisationMember.Role.ADMIN).exclude(pk=leaving.pk)
    if not others.exists():
        raise ValidationError(_("La structure doit garder au moins un administrateur."), code="last_admin")


@transaction.atomic
def organisation_member_remove(*, organisation: Organisation, actor, member: OrganisationMember) -> None:
    """Remove a member (administrators only; a member may leave by themselves); one administrator stays."""
    if member.user_id != getattr(actor, "pk", None):
        _require_admin(organisation, actor)
    if member.organisation_id != organisation.pk:
        raise ValidationError(_("Ce membre n'appartient pas à cette structure."), code="member")
    if member.role == OrganisationMember.Role.ADMIN:
        _keep_an_admin(organisation, leaving=member)
    track(member, actor, "membre retiré")
    member.delete()


@transaction.atomic
def request_organisation_set(*, request: Request, account, organisation: Organisation | None) -> Request:
    """File ``account``'s draft for ``organisation`` (one of its structures), or for themselves with ``None``."""
    if request.account_id != account.pk or request.status != Request.Status.DRAFT:
        raise ValidationError(_("Ce brouillon ne peut plus être modifié."), code="not_draft")
    if organisation is not None and not is_organisation_member(account, organisation.pk):
        raise ValidationError(_("Vous n'agissez pas pour cette structure."), code="organisation")
    new_id = organisation.pk if organisation is not None else None
    if request.organisation_id != new_id:
        request.organisation = organisation
        save_tracked(request, account, "déposée pour une structure" if organisation else "déposée à titre personnel")
    return request
