"""The official data·inclusion v1 models and enumerations (PyPI ``data-inclusion-schema``), in one place.

Everything here validates against the package's pydantic models: the annuaire never keeps its own copy of the
enumerations, so a new version of the schema is a version bump, checked by the tests that validate every
exported item.
"""

from __future__ import annotations

from data_inclusion.schema.v1 import (
    Frais,
    ModeAccueil,
    ModeMobilisation,
    PersonneMobilisatrice,
    Public,
    ReseauPorteur,
    Thematique,
    TypeService,
)
from data_inclusion.schema.v1 import Service as DiService
from data_inclusion.schema.v1 import Structure as DiStructure
from data_inclusion.schema.v1.thematiques import Categorie

__all__ = [
    "Categorie",
    "DiService",
    "DiStructure",
    "Frais",
    "ModeAccueil",
    "ModeMobilisation",
    "PersonneMobilisatrice",
    "Public",
    "ReseauPorteur",
    "Thematique",
    "TypeService",
]


def categorie_of(thematique: str) -> str:
    """``"sante--acces-aux-soins"`` -> ``"sante"``: a thématique is ``categorie--sous-theme``."""
    return thematique.split("--", 1)[0]
