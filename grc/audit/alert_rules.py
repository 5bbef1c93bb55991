"""The thresholds of the anomaly rules: one definition for the DPO's form, the admin and the detection.

``SCHEMA`` gives each rule kind's thresholds (type, default, bounds, French label) once: the DPO's form
(``backoffice/dpo/views_rules.py``), the admin (``dpo.admin``), ``dpo.services.alert_rule_update`` and the
detection (``grc.audit.alerts.detect``) all validate through ``validate_params``, and a bad stored value
falls back to its default instead of stopping a run. ``DESCRIPTIONS`` says, in words, what each rule
looks at; the detectors themselves are registered by the apps that read the data they compare
(``grc.audit.alerts.detector_register``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .models import AlertRule

Kind = AlertRule.Kind


@dataclass(frozen=True)
class Threshold:
    """One threshold of a rule: its type, default, bounds and what the DPO reads about it."""

    name: str
    type: type  # int, float or bool
    default: int | float | bool
    label: str
    help_text: str
    min: float | None = None
    max: float | None = None
    above: float | None = None  # exclusive lower bound (a factor must be more than 1)

    def check(self, value):
        """The value if it is valid for this threshold, else ``ValueError`` with a French message."""
        if self.type is bool:
            if not isinstance(value, bool):
                raise ValueError("Valeur attendue : oui ou non.")
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError("Saisissez un nombre." if self.type is float else "Saisissez un nombre entier.")
        if self.type is int:
            if isinstance(value, float):
                if not value.is_integer():
                    raise ValueError("Saisissez un nombre entier.")
                value = int(value)
        else:
            if not math.isfinite(value):
                raise ValueError("Saisissez un nombre.")
            value = float(value)
        if self.above is not None and value <= self.above:
            raise ValueError(f"Saisissez un nombre supérieur à {self.above:g}.")
        if self.min is not None and value < self.min:
            raise ValueError(f"Saisissez un nombre supérieur ou égal à {self.min:g}.")
        if self.max is not None and value > self.max:
            raise ValueError(f"Saisissez un nombre inférieur ou égal à {self.max:g}.")
        return value


def _count(name, default, label, help_text, *, upper=100_000):
    return Threshold(name, int, default, label, help_text, min=1, max=upper)


def _days(name, default, label, help_text):
    return Threshold(name, int, default, label, help_text + " Entre 1 et 365 jours.", min=1, max=365)


def _hour(name, default, label, help_text):
    return Threshold(name, int, default, label, help_text + " Heure de 0 à 23.", min=0, max=23)


SCHEMA: dict[str, tuple[Threshold, ...]] = {
    Kind.VOLUME_SELF: (
        _count(
            "min_reads",
            20,
            "Usagers distincts consultés par jour, au minimum",
            "En dessous, aucune alerte, quel que soit l'écart aux habitudes.",
        ),
        Threshold(
            "z",
            float,
            3.0,
            "Écart aux habitudes (score z)",
            "Nombre d'écarts types au-dessus de la moyenne de l'agent ; plus il est grand, moins d'alertes. "
            "Entre 0,5 et 20.",
            min=0.5,
            max=20,
        ),
        _days("baseline_days", 30, "Période de référence (jours)", "Jours précédents qui forment les habitudes."),
        _days(
            "min_baseline_days",
            5,
            "Jours d'activité nécessaires dans la période de référence",
            "Un agent qui a moins de jours d'activité n'est pas comparé à lui-même.",
        ),
    ),
    Kind.VOLUME_TEAM: (
        _count(
            "min_reads",
            20,
            "Usagers distincts consultés par jour, au minimum",
            "En dessous, aucune alerte, quel que soit l'écart à l'équipe.",
        ),
        Threshold(
            "factor",
            float,
            3.0,
            "Multiple de la médiane de l'équipe",
            "L'alerte est levée à partir de ce multiple de la médiane des collègues le même jour. "
            "Plus de 1, au plus 100.",
            above=1,
            max=100,
        ),
        _count(
            "min_peers",
            2,
            "Collègues nécessaires à la comparaison",
            "Une équipe plus petite ne sert pas de référence.",
            upper=1000,
        ),
    ),
    Kind.OUT_OF_SCOPE: (
        _count(
            "min_rows",
            1,
            "Lectures hors périmètre par jour, au minimum",
            "1 : la moindre lecture hors périmètre lève une alerte.",
        ),
    ),
    Kind.EMERGENCY: (
        _days(
            "lookback_days",
            30,
            "Accès d'urgence examinés (jours en arrière)",
            "Les accès d'urgence commencés dans cette période sont repris à chaque détection.",
        ),
    ),
    Kind.SAME_NAME: (
        Threshold("names", bool, True, "Homonymes", "Alerte quand l'agent lit la fiche d'une personne de son nom."),
        Threshold(
            "addresses",
            bool,
            True,
            "Voisins",
            "Alerte quand l'agent lit la fiche d'une personne à l'adresse de sa propre fiche usager.",
        ),
    ),
    Kind.OFF_HOURS: (
        _hour("night_start", 20, "Début de la nuit", "Les lectures à partir de cette heure comptent."),
        _hour("night_end", 7, "Fin de la nuit", "Les lectures avant cette heure comptent."),
        Threshold("weekends", bool, True, "Week-end", "Les lectures du samedi et du dimanche comptent."),
        _count("min_rows", 3, "Lectures la nuit ou le week-end par jour, au minimum", "En dessous, aucune alerte."),
    ),
    Kind.MEMBERSHIP: (),
    Kind.MASS_EXPORT: (
        _count("max_per_day", 10, "Exports par jour", "L'alerte est levée à partir de ce nombre d'exports."),
        _count(
            "max_items_per_day",
            1000,
            "Personnes ou enregistrements exportés par jour",
            "L'alerte est levée à partir de ce volume, même en un seul export.",
            upper=10_000_000,
        ),
    ),
}
DEFAULTS: dict[str, dict] = {kind: {t.name: t.default for t in thresholds} for kind, thresholds in SCHEMA.items()}
# What each rule looks at, in words; the numbers are its thresholds (``SCHEMA``), shown beside it.
DESCRIPTIONS = {
    Kind.VOLUME_SELF: "Lectures de données de personnes (usagers distincts par jour) très au-dessus des habitudes "
    "de l'agent (score z).",
    Kind.VOLUME_TEAM: "Lectures de données de personnes très au-dessus de la médiane de son équipe le même jour.",
    Kind.OUT_OF_SCOPE: "Lecture d'un dossier qui n'était, au moment de la lecture, suivi ni par ses équipes, ni sur "
    "son territoire, sans partage en cours ni accès d'urgence.",
    Kind.EMERGENCY: "Chaque accès d'urgence (bris de glace).",
    Kind.SAME_NAME: "Lecture de la fiche d'un homonyme (même nom que l'agent) ou d'un voisin (même adresse que "
    "la fiche usager de l'agent).",
    Kind.OFF_HOURS: "Lectures la nuit ou le week-end.",
    Kind.MASS_EXPORT: "Nombre d'exports ou volume exporté par jour au-delà du seuil.",
    Kind.MEMBERSHIP: "Chaque appartenance à une équipe, créée, modifiée ou approuvée, qui donne accès à des "
    "dossiers sociaux : qui l'a faite, pour qui, dans quelle équipe.",
}


def validate_params(kind: str, raw) -> tuple[dict, dict[str, str]]:
    """``(values, errors)``: every threshold of ``kind``, valid, and what was wrong with ``raw``.

    A missing or invalid value gives the default (``errors`` names it, in French); unknown keys are
    dropped. Used by ``detect`` on stored params and by the form and ``alert_rule_update`` on input.
    """
    raw = raw if isinstance(raw, dict) else {}
    values, errors = {}, {}
    for threshold in SCHEMA.get(kind, ()):
        if threshold.name not in raw:
            values[threshold.name] = threshold.default
            continue
        try:
            values[threshold.name] = threshold.check(raw[threshold.name])
        except ValueError as exc:
            values[threshold.name] = threshold.default
            errors[threshold.name] = str(exc)
    if kind == Kind.VOLUME_SELF and "min_baseline_days" not in errors and "baseline_days" not in errors:
        if values["min_baseline_days"] > values["baseline_days"]:
            errors["min_baseline_days"] = "Ne peut dépasser la période de référence."
            values["min_baseline_days"] = min(DEFAULTS[kind]["min_baseline_days"], values["baseline_days"])
    return values, errors


def rule_params(rule: AlertRule) -> dict:
    """The thresholds detection uses for ``rule``: its stored values, each invalid or missing one replaced by
    its default."""
    return validate_params(rule.kind, rule.params)[0]


def stored_params_problems(rule: AlertRule) -> list[str]:
    """What is wrong with the stored thresholds (French), each replaced by its default when detecting."""
    thresholds = {t.name: t for t in SCHEMA.get(rule.kind, ())}
    _values, errors = validate_params(rule.kind, rule.params)
    return [
        f"« {thresholds[name].label} » : valeur enregistrée invalide ({message}) ; "
        f"valeur par défaut {show_value(thresholds[name].default)} utilisée."
        for name, message in errors.items()
    ]


def show_value(value) -> str:
    """A threshold's value as the DPO reads it (French: « oui »/« non », decimal comma)."""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return str(value)


def rule_thresholds(rule: AlertRule) -> list[tuple[Threshold, str]]:
    """``(threshold, value as shown)`` for each threshold of ``rule``, the values detection uses."""
    values = rule_params(rule)
    return [(t, show_value(values[t.name])) for t in SCHEMA.get(rule.kind, ())]
