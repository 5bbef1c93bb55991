"""The annuaire social's structure for a structure that files requests, found by SIRET (same structure, two uses).

The annuaire (``annuaire.Structure``) is a sibling of ``demandes``: neither imports the other, the
portal above both links them. Looked up through the app registry, so the portal works the same
before the annuaire's tables exist (an empty annuaire links nothing).
"""

from __future__ import annotations

from django.apps import apps


def directory_structure_for(*, siret: str):
    """The annuaire's structure with this SIRET (the first one), or ``None``: public directory data only."""
    if not siret:
        return None
    model = apps.all_models.get("annuaire", {}).get("structure")
    if model is None or not any(field.name == "siret" for field in model._meta.get_fields()):
        return None
    return model.objects.filter(siret=siret).order_by("pk").first()
