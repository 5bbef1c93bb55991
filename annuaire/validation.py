"""Checks of a proposed structure or service (``annuaire.moderation`` validators): Django's field rules (types,
lengths, choices, SIRET checksum, e-mail, URL) then the official data·inclusion v1 model on the resulting record,
so that nothing unpublishable can be published. Errors are one French message per field.
"""

from __future__ import annotations

import copy

import pydantic
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from opening_hours import OpeningHours

from grc.models import Commune

from . import dataformat, schema
from .models import SOURCE, Service, Structure

STRUCTURE_EDITABLE = (
    "nom",
    "description",
    "siret",
    "site_web",
    "accessibilite_lieu",
    "reseaux_porteurs",
    "commune",
    "code_postal",
    "adresse",
    "complement_adresse",
    "latitude",
    "longitude",
    "telephone",
    "courriel",
    "horaires_accueil",
)
SERVICE_EDITABLE = (
    "structure",
    "nom",
    "description",
    "type",
    "thematiques",
    "frais",
    "frais_precisions",
    "publics",
    "publics_precisions",
    "conditions_acces",
    "modes_accueil",
    "zone_eligibilite",
    "contact_nom_prenom",
    "lien_mobilisation",
    "modes_mobilisation",
    "mobilisable_par",
    "mobilisation_precisions",
    "commune",
    "code_postal",
    "adresse",
    "complement_adresse",
    "latitude",
    "longitude",
    "telephone",
    "courriel",
    "horaires_accueil",
)


def _opening_hours_error(value: str) -> str | None:
    if not value:
        return None
    try:
        OpeningHours(value)
    except Exception:  # the parser raises its own ParserError (and ValueError on some inputs)
        return _("horaires illisibles (format OpenStreetMap attendu, par ex. « Mo-Fr 09:00-12:00 »)")
    return None


def _apply(instance, data: dict, fields: tuple[str, ...]) -> tuple[dict, dict[str, str]]:
    """Set ``data`` on ``instance`` (a copy); returns the model values and the field errors."""
    values: dict = {}
    errors: dict[str, str] = {}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        errors["__all__"] = _("champs inconnus : %(fields)s") % {"fields": ", ".join(unknown)}
    for name in fields:
        if name not in data:
            continue
        value = data[name]
        field = instance._meta.get_field(name)
        if name == "commune":
            commune = Commune.objects.filter(code=str(value or "")).first() if value else None
            if value and commune is None:
                errors[name] = _("commune inconnue « %(code)s »") % {"code": value}
                continue
            values[name] = commune
        elif name == "structure":
            structure = Structure.objects.filter(pk=value).first() if str(value or "").isdigit() else None
            if structure is None:
                errors[name] = _("structure inconnue")
                continue
            values[name] = structure
        else:
            if value is None and not field.null:
                value = [] if getattr(field, "base_field", None) is not None else ""
            values[name] = value
        setattr(instance, name, values[name])
    simple = [name for name in values if name not in ("commune", "structure")]
    try:
        instance.clean_fields(exclude=[f.name for f in instance._meta.fields if f.name not in simple])
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, " ".join(messages))
    if message := _opening_hours_error(values.get("horaires_accueil") or ""):
        errors["horaires_accueil"] = message
    return values, errors


def _check_schema(model, item: dict, errors: dict[str, str]) -> None:
    try:
        model.model_validate(item)
    except pydantic.ValidationError as exc:
        for name, message in dataformat.di_errors(exc).items():
            errors.setdefault(name, message)


def structure_validate(data: dict, target: Structure | None) -> dict:
    """The values of a proposed structure (or change of one), checked; ``ValidationError`` by field otherwise."""
    instance = copy.copy(target) if target is not None else Structure(source=SOURCE, di_id=f"{SOURCE}--nouvelle")
    values, errors = _apply(instance, data, STRUCTURE_EDITABLE)
    if not errors:
        _check_schema(schema.DiStructure, dataformat.structure_to_di(instance), errors)
    if target is None and not (instance.nom or "").strip():
        errors.setdefault("nom", _("champ obligatoire manquant"))
    if errors:
        raise ValidationError(errors)
    return values


def service_validate(data: dict, target: Service | None) -> dict:
    """The values of a proposed service (or change of one), checked; ``ValidationError`` by field otherwise."""
    instance = copy.copy(target) if target is not None else Service(source=SOURCE, di_id=f"{SOURCE}--nouveau")
    if target is not None and "structure" in data and str(data["structure"]) != str(target.structure_id):
        raise ValidationError({"structure": _("un service ne change pas de structure")})
    values, errors = _apply(instance, data, SERVICE_EDITABLE)
    if target is None and "structure" not in values:
        errors.setdefault("structure", _("champ obligatoire manquant"))
    if not errors:
        _check_schema(schema.DiService, dataformat.service_to_di(instance), errors)
    if errors:
        raise ValidationError(errors)
    return values
