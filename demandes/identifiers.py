"""Identifiers of the structures that file requests: SIRET (INSEE) and RNA (répertoire national des associations)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# The one SIREN whose SIRETs do not follow the Luhn key: La Poste's establishments (sum of digits % 5).
LA_POSTE_SIREN = "356000000"
RNA_PATTERN = re.compile(r"^W[0-9][0-9AB][0-9]{7}$")  # W + 9 characters; Corsica's départements are 2A / 2B


def clean_identifier(value: str) -> str:
    """Spaces and dots typed by people removed, letters upper-cased: "123 456 789 00012" → "12345678900012"."""
    return re.sub(r"[\s.\-]", "", value or "").upper()


def luhn_is_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def siret_is_valid(value: str) -> bool:
    """14 digits whose Luhn key holds (La Poste's: the sum of the digits is a multiple of 5)."""
    if not re.fullmatch(r"[0-9]{14}", value or ""):
        return False
    if value.startswith(LA_POSTE_SIREN):
        return sum(int(c) for c in value) % 5 == 0
    return luhn_is_valid(value)


def validate_siret(value: str) -> None:
    if value and not siret_is_valid(value):
        raise ValidationError(
            _("Numéro SIRET invalide : 14 chiffres dont le dernier est une clé de contrôle (vérifiez la saisie)."),
            code="siret",
        )


def validate_rna(value: str) -> None:
    if value and not RNA_PATTERN.match(value):
        raise ValidationError(
            _("Numéro RNA invalide : la lettre W suivie de 9 caractères (par exemple W351234567)."), code="rna"
        )
