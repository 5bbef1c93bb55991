"""Writes on the citizen reference. Each service keeps history (acting user) and validates."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from grc import nir as nir_rules
from grc.history import track as _track
from grc.matching.names import normalised_fields
from grc.models import Address, Citizen, ContactPoint
from grc.validators import validate_birth_date, validate_name

IDENTITY_FIELDS = (
    "birth_name",
    "usage_name",
    "first_names",
    "birth_date",
    "birth_place",
    "birth_place_code",
    "birth_country",
    "sex",
    "nir",
    "assurance_level",
)
NAME_FIELDS = ("birth_name", "usage_name", "first_names", "birth_place", "birth_country")


def apply_normalised_fields(*, citizen: Citizen) -> None:
    """Recompute the derived matching columns from the identity fields."""
    for name, value in normalised_fields(
        birth_name=citizen.birth_name, usage_name=citizen.usage_name, first_names=citizen.first_names
    ).items():
        setattr(citizen, name, value)


def _validate_identity(citizen: Citizen, *, changed=IDENTITY_FIELDS) -> None:
    errors = {}
    # The shared rules (grc.validators) again here: the API, the portal linking and the demo reach these
    # services without a form. On the fields being written only: a record from before the rules stays
    # editable (its other fields), and the agent fixes the old value when they touch it.
    for name in NAME_FIELDS:
        if name in changed:
            try:
                validate_name(getattr(citizen, name))
            except ValidationError as error:
                errors[name] = error.messages
    if "birth_date" in changed:
        try:
            validate_birth_date(citizen.birth_date)
        except ValidationError as error:
            errors["birth_date"] = error.messages
    if not (citizen.birth_name or "").strip():
        errors["birth_name"] = _("Le nom de naissance est obligatoire.")
    if not (citizen.first_names or "").strip():
        errors["first_names"] = _("Au moins un prénom est obligatoire.")
    if citizen.nir:
        citizen.nir = nir_rules.clean(citizen.nir)
        if not nir_rules.is_valid(citizen.nir):
            errors["nir"] = _("Ce NIR n'est pas valide (15 caractères, clé de contrôle incluse).")
        elif Citizen.objects.filter(nir=citizen.nir, status=Citizen.Status.ACTIVE).exclude(pk=citizen.pk).exists():
            errors["nir"] = _("Ce NIR est déjà attribué à un autre usager.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def citizen_create(*, actor, address: dict | None = None, contacts: list[dict] | None = None, **identity) -> Citizen:
    """Create a citizen (identity validated, NIR key checked), with optional current address and contacts."""
    unknown = set(identity) - set(IDENTITY_FIELDS)
    if unknown:
        raise TypeError(f"unknown identity fields: {sorted(unknown)}")
    citizen = Citizen(**identity)
    _validate_identity(citizen)
    apply_normalised_fields(citizen=citizen)
    _track(citizen, actor, "création")
    citizen.save()
    if address:
        address_add(citizen=citizen, actor=actor, **address)
    for contact in contacts or []:
        contact_point_add(citizen=citizen, actor=actor, **contact)
    return citizen


@transaction.atomic
def citizen_update(*, citizen: Citizen, actor, reason: str = "", **changes) -> Citizen:
    """Change identity fields; history records who, when and why."""
    unknown = set(changes) - set(IDENTITY_FIELDS)
    if unknown:
        raise TypeError(f"unknown identity fields: {sorted(unknown)}")
    if citizen.is_merged:
        raise ValidationError(_("Cet usager a été fusionné : modifiez la fiche conservée."))
    changed = [name for name, value in changes.items() if getattr(citizen, name) != value]
    for name, value in changes.items():
        setattr(citizen, name, value)
    _validate_identity(citizen, changed=changed)
    apply_normalised_fields(citizen=citizen)
    _track(citizen, actor, reason or "modification")
    citizen.save()
    return citizen


@transaction.atomic
def address_add(*, citizen: Citizen, actor, close_current: bool = True, **fields) -> Address:
    """Add an address; by default the current one ends the day the new one starts."""
    start = fields.get("start_date")
    if close_current:
        for current in citizen.addresses.filter(end_date__isnull=True):
            current.end_date = start or current.end_date
            if current.end_date is not None:
                _track(current, actor, "nouvelle adresse")
                current.save(update_fields=["end_date"])
    address = Address(citizen=citizen, **fields)
    _track(address, actor, "ajout")
    address.save()
    return address


@transaction.atomic
def contact_point_add(*, citizen: Citizen, actor, **fields) -> ContactPoint:
    contact = ContactPoint(citizen=citizen, **fields)
    _track(contact, actor, "ajout")
    contact.save()
    return contact
