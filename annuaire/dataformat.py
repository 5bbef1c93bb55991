"""Records <-> data·inclusion v1 dictionaries, and the package's validation errors in French.

``structure_to_di`` / ``service_to_di`` give exactly the schema's fields (empty values as ``null``), the shape of
the API, the export and the national dataset; ``di_errors`` turns a pydantic ``ValidationError`` of the official
models into one French message per field, for the import report and the forms.
"""

from __future__ import annotations

import pydantic
from django.utils.translation import gettext as _

from . import schema

STRUCTURE_FIELDS = tuple(schema.DiStructure.model_fields)
SERVICE_FIELDS = tuple(schema.DiService.model_fields)
LOCATED = (
    "code_postal",
    "code_insee",
    "adresse",
    "complement_adresse",
    "longitude",
    "latitude",
    "telephone",
    "courriel",
    "horaires_accueil",
    "lien_source",
)
STRUCTURE_PLAIN = ("source", "nom", "description", "siret", "site_web", "accessibilite_lieu")
SERVICE_PLAIN = (
    "source",
    "nom",
    "description",
    "type",
    "frais",
    "frais_precisions",
    "publics_precisions",
    "conditions_acces",
    "contact_nom_prenom",
    "lien_mobilisation",
    "mobilisation_precisions",
    "volume_horaire_hebdomadaire",
    "nombre_semaines",
)
SERVICE_LISTS = (
    "thematiques",
    "publics",
    "modes_accueil",
    "zone_eligibilite",
    "modes_mobilisation",
    "mobilisable_par",
)


def _empty_none(value):
    return None if value in ("", [], None) else value


def _commune_name(obj) -> str | None:
    return _empty_none(obj.commune_nom) or (obj.commune.name if obj.commune_id and obj.commune else None)


def structure_to_di(obj) -> dict:
    """A structure as a data·inclusion v1 ``Structure`` dictionary (JSON-ready)."""
    item = {"id": obj.di_id, "date_maj": obj.date_maj.isoformat(), "commune": _commune_name(obj)}
    for name in (*STRUCTURE_PLAIN, *LOCATED):
        item[name] = _empty_none(getattr(obj, name))
    item["code_insee"] = _empty_none(obj.code_insee) or obj.commune_id
    item["reseaux_porteurs"] = sorted(obj.reseaux_porteurs) or None
    return {name: item.get(name) for name in STRUCTURE_FIELDS}


def service_to_di(obj, *, structure_di_id: str | None = None) -> dict:
    """A service as a data·inclusion v1 ``Service`` dictionary (JSON-ready)."""
    item = {
        "id": obj.di_id,
        "structure_id": structure_di_id or obj.structure.di_id,
        "date_maj": obj.date_maj.isoformat(),
        "commune": _commune_name(obj),
    }
    for name in (*SERVICE_PLAIN, *LOCATED):
        item[name] = _empty_none(getattr(obj, name))
    item["code_insee"] = _empty_none(obj.code_insee) or obj.commune_id
    for name in SERVICE_LISTS:
        values = getattr(obj, name)
        # zone_eligibilite is an ordered list in the schema; the others are sets (sorted for stable output).
        item[name] = (list(values) if name == "zone_eligibilite" else sorted(values)) or None
    return {name: item.get(name) for name in SERVICE_FIELDS}


def di_errors(exc: pydantic.ValidationError) -> dict[str, str]:
    """One French message per field from the official models' errors ("thematiques : valeur inconnue « x »")."""
    messages: dict[str, str] = {}
    for error in exc.errors():
        location = [str(part) for part in error.get("loc", ()) if not isinstance(part, int)]
        field = location[0] if location else "__all__"
        if field in messages:
            continue
        if field == "zone_eligibilite":  # a union of code shapes: its first error would mislead
            messages[field] = _("code invalide « %(value)s » (code commune, EPCI, département ou pays attendu)") % {
                "value": error.get("input")
            }
            continue
        messages[field] = _error_message(error)
    return messages


def _error_message(error: dict) -> str:
    kind = error.get("type", "")
    value = error.get("input")
    if kind == "missing":
        return _("champ obligatoire manquant")
    if kind == "enum":
        return _("valeur inconnue « %(value)s » (hors des valeurs du schéma data·inclusion)") % {"value": value}
    if kind == "string_too_short":
        return _("texte trop court (au moins %(min)s caractères)") % {"min": error.get("ctx", {}).get("min_length")}
    if kind == "string_too_long":
        return _("texte trop long (au plus %(max)s caractères)") % {"max": error.get("ctx", {}).get("max_length")}
    if kind == "string_pattern_mismatch":
        return _("format invalide « %(value)s »") % {"value": value}
    if kind.startswith("url"):
        return _("adresse web invalide « %(value)s »") % {"value": value}
    if kind == "value_error" and "email" in str(error.get("msg", "")).lower():
        return _("courriel invalide « %(value)s »") % {"value": value}
    if kind.startswith(("date", "float", "int")):
        return _("valeur invalide « %(value)s »") % {"value": value}
    if kind == "value_error":
        # The schema's own validators already speak French ("La date de dernière modification…").
        return str(error.get("msg", "")).removeprefix("Value error, ")
    return _("valeur non conforme au schéma data·inclusion")
