"""Lieux are edited by those who run them, through the annuaire's moderation (``annuaire.moderation``).

A validated representative of the place's structure (or the Info sociale team) proposes new values or a new
place; nothing shows on the map until the Info sociale team publishes the proposal (``change_publish``), which
applies it with history and renews ``updated_at`` — the staleness reminders of the annuaire then cover lieux
too. ``lieu_proposal_validate`` is the check both steps run: the model's own rules (enumerations of the
standard, OSM opening hours, SIRET/RNA, postcode…) and the data·inclusion mapping of the resulting place.
"""

from __future__ import annotations

import copy

import pydantic
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from .exports import lieu_to_di_services, lieu_to_di_structure
from .models import Lieu

LIEU_EDITABLE = (
    "structure",
    "nom",
    "pivot",
    "adresse",
    "complement_adresse",
    "code_postal",
    "commune",
    "latitude",
    "longitude",
    "typologie",
    "telephone",
    "courriels",
    "site_web",
    "horaires",
    "presentation_resume",
    "presentation_detail",
    "structure_parente",
    "itinerance",
    "services",
    "publics_specifiquement_adresses",
    "prise_en_charge_specifique",
    "frais_a_charge",
    "dispositif_programmes_nationaux",
    "formations_labels",
    "autres_formations_labels",
    "modalites_acces",
    "modalites_accompagnement",
    "prise_rdv",
    "fiche_acces_libre",
)


def _to_value(field, raw):
    if isinstance(field, models.ForeignKey):
        if raw in (None, ""):
            return None
        related = field.related_model.objects.filter(pk=raw).first()
        if related is None:
            raise ValidationError(_("Valeur inconnue."))
        return related
    if raw is None and not field.null:
        return [] if isinstance(field.default, type) or field.default is list else ""
    return field.to_python(raw)


def lieu_proposal_validate(data: dict, target: Lieu | None) -> dict:
    """Check a proposal for ``target`` (or a new place when ``None``); the model values by field name.

    Raises ``ValidationError`` with one French message per field (unknown fields included).
    """
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(data) - set(LIEU_EDITABLE))
    if unknown:
        errors["__all__"] = [_("Champs inconnus : %(fields)s.") % {"fields": ", ".join(unknown)}]
    lieu = copy.copy(target) if target is not None else Lieu()
    values: dict = {}
    for name in (n for n in LIEU_EDITABLE if n in data):
        field = Lieu._meta.get_field(name)
        try:
            values[name] = _to_value(field, data[name])
        except ValidationError as exc:
            errors[name] = exc.messages
            continue
        setattr(lieu, name, values[name])
    try:  # every field's message at once, the author fixes everything in one go
        lieu.full_clean(exclude=["identifier", "stale_reminded_at", *errors], validate_unique=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    try:  # the published place must also be exportable to data·inclusion as the national tools do
        lieu_to_di_structure(lieu)
        lieu_to_di_services(lieu)
    except pydantic.ValidationError as exc:
        raise ValidationError(
            _("Fiche incompatible avec data·inclusion : %(detail)s")
            % {"detail": "; ".join(f"{'.'.join(map(str, e['loc']))} : {e['msg']}" for e in exc.errors()[:3])}
        ) from exc
    return values
