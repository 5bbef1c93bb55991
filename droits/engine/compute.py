"""One vectorised OpenFisca simulation for a batch of households, read back as one Estimate each.

Every benefit of every household comes from the same simulation: OpenFisca computes the shared intermediate
variables (resources, household composition, forfait logement…) once for the whole batch, which is what makes
one household's full estimate well under a second and the batch tens of households per second.
"""

from __future__ import annotations

import math
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import numpy

from .catalogue import BENEFITS_BY_CODE
from .columns import build_simulation
from .errors import EngineError
from .mapping import build_input, month_start
from .runtime import engine_label, get_tax_benefit_system, legislation_dates
from .situation import BenefitEstimate, Estimate, paris_today

# Our benefit code -> (OpenFisca variable, entity): famille variables are read per famille, individu ones summed
# over the members of the famille.
FAMILLE_VARIABLES = {
    "rsa": "rsa",
    "prime_activite": "ppa",
    "aides_logement": "aide_logement",
    "aspa": "aspa",
    "allocations_familiales": "af",
}
INDIVIDU_VARIABLES = {"aah": "aah", "apa": "apa_domicile"}
CSS_VARIABLES = ("cmu_c", "css_participation_forfaitaire")
ORDER = ("rsa", "prime_activite", "aides_logement", "aah", "aspa", "css", "allocations_familiales", "apa")

CENT = Decimal("0.01")


def _money(value) -> Decimal:
    number = float(value)
    if not math.isfinite(number):  # never shown to anyone as an amount
        raise EngineError("Le calcul des droits a donné un résultat invalide.")
    amount = Decimal(str(number)).quantize(CENT, rounding=ROUND_HALF_UP)
    return max(amount, Decimal(0))


def legislation_caption(period: str) -> str:
    """French: 'barèmes connus au 01/04/2026 (RSA : 01/04/2026 ; AAH : 01/04/2025 …)'."""
    dates = legislation_dates(month_start(period))
    if not dates:
        return "Barèmes d'OpenFisca France en vigueur pour le mois estimé."
    latest = max(day for _, day in dates)
    detail = " ; ".join(f"{label} : {day:%d/%m/%Y}" for label, day in dates)
    month = month_start(period)
    return f"Législation au {month:%m/%Y}, barèmes connus au {latest:%d/%m/%Y} (revalorisations : {detail})."


def read_values(simulation, famille_index: list[int], period: str) -> dict[str, numpy.ndarray]:
    """The amounts of each benefit, one value per household (its demandeur's famille), from one simulation."""
    index = numpy.asarray(famille_index)
    values = {}
    for code, variable in FAMILLE_VARIABLES.items():
        values[code] = simulation.calculate(variable, period)[index]
    famille = simulation.populations["famille"]
    for code, variable in INDIVIDU_VARIABLES.items():
        per_person = simulation.calculate(variable, period)
        per_famille = numpy.bincount(famille.members_entity_id, weights=per_person, minlength=famille.count)
        values[code] = per_famille[index]
    for variable in CSS_VARIABLES:
        values[variable] = simulation.calculate(variable, period)[index]
    values["zone_apl"] = simulation.calculate("zone_apl", period).decode_to_str()
    return values


def _benefit(code: str, amount, note: str = "", eligible: bool | None = None) -> BenefitEstimate:
    benefit = BENEFITS_BY_CODE[code]
    money = _money(amount)
    return BenefitEstimate(
        code=code,
        label=benefit.label,
        monthly_amount=money,
        depends_on=benefit.depends_on,
        note=note,
        eligible=money > 0 if eligible is None else eligible,
    )


ZONE_LABELS = {"zone_1": "zone 1", "zone_2": "zone 2", "zone_3": "zone 3"}


def _household(values: dict, row: int) -> tuple[BenefitEstimate, ...]:
    benefits = []
    for code in ORDER:
        if code == "css":
            free, participation = bool(values["cmu_c"][row]), float(values["css_participation_forfaitaire"][row])
            if free:
                note = "Éligible à la complémentaire santé solidaire sans participation."
            elif participation > 0:
                note = (
                    "Éligible à la complémentaire santé solidaire avec une participation de "
                    f"{str(_money(participation)).replace('.', ',')} €/mois."
                )
            else:
                note = "Non éligible selon l'estimation (ressources au-dessus du plafond)."
            benefits.append(_benefit("css", 0, note, eligible=free or participation > 0))
        elif code == "aides_logement":
            zone = ZONE_LABELS.get(str(values["zone_apl"][row]), str(values["zone_apl"][row]))
            benefits.append(_benefit(code, values[code][row], f"Zone de logement : {zone}."))
        elif code == "apa":
            amount = values[code][row]
            note = "Montant maximal pour le GIR, avant le plan d'aide." if amount > 0 else ""
            benefits.append(_benefit(code, amount, note))
        else:
            benefits.append(_benefit(code, values[code][row]))
    return tuple(benefits)


def simulate(situations, period: str) -> list[Estimate]:
    """Estimates for ``situations`` (already validated) in one simulation; EngineError on any OpenFisca failure."""
    tbs = get_tax_benefit_system()
    entities, famille_index = build_input(situations, period)
    try:
        simulation = build_simulation(tbs, entities)
        values = read_values(simulation, famille_index, period)
    except Exception as exc:  # OpenFisca raises many types (SituationParsingError, ValueError, numpy errors)
        raise EngineError("Le calcul des droits a échoué pour cette situation.") from exc
    engine, legislation = engine_label(), legislation_caption(period)
    # The values are already one row per household (its demandeur's famille); ménages are one per household too.
    return [
        Estimate(period=period, engine=engine, legislation=legislation, benefits=_household(values, number))
        for number in range(len(situations))
    ]


def current_period(today: date | None = None) -> str:
    today = today or paris_today()
    return f"{today.year:04d}-{today.month:02d}"
