"""The engine's entry points: validate, chunk, simulate (re-exported by the package)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from .compute import current_period, simulate
from .errors import SituationError
from .runtime import engine_info, get_tax_benefit_system
from .situation import Estimate, Housing, Member, Situation, paris_today

# One simulation's arrays grow with the batch; above this many households the batch is simulated in chunks so a
# worker's memory stays bounded (5,000 households ~ a few hundred MB of intermediate arrays at most).
MAX_BATCH = 5000

_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def _checked_period(period: str | None) -> str:
    if period is None:
        return current_period()
    match = _PERIOD.match(str(period))
    # From 2021 (the aides au logement's rolling-year rule the mapping follows) to next year (later months
    # would only repeat the last known scales as if they were law).
    if not match or not 2021 <= int(match.group(1)) <= paris_today().year + 1:
        raise SituationError(
            [f"Mois à estimer invalide « {str(period)[:20]} » : format attendu AAAA-MM, de 2021 à l'an prochain."]
        )
    return period


def estimate_many(*, situations: Sequence[Situation], period: str | None = None) -> list[Estimate]:
    """Estimates for many households, in input order, from one vectorised simulation per chunk of MAX_BATCH.

    Raises SituationError (French messages, each prefixed with the household's position) if any situation is
    invalid, before anything is computed; EngineError if OpenFisca fails.
    """
    period = _checked_period(period)
    situations = list(situations)
    problems = []
    for number, situation in enumerate(situations, start=1):
        if not isinstance(situation, Situation):
            problems.append(f"Foyer {number} : situation illisible.")
            continue
        problems.extend(f"Foyer {number} : {message}" for message in situation.errors())
    if problems:
        raise SituationError(problems)
    estimates: list[Estimate] = []
    for start in range(0, len(situations), MAX_BATCH):
        estimates.extend(simulate(situations[start : start + MAX_BATCH], period))
    return estimates


def estimate(*, situation: Situation, period: str | None = None) -> Estimate:
    """One household's estimate for ``period`` ('YYYY-MM', default the current month), all benefits at once.

    Raises SituationError with the French messages of ``situation.errors()``, or EngineError.
    """
    if not isinstance(situation, Situation):
        raise SituationError(["Situation illisible."])
    errors = situation.errors()
    if errors:
        raise SituationError(errors)
    return simulate([situation], _checked_period(period))[0]


def warm_up() -> dict:
    """Load the engine now and run one small estimate so parameters are cached; returns engine_info()."""
    get_tax_benefit_system()
    member = Member(role="demandeur", birth_date=date(1980, 1, 1))
    estimate(situation=Situation(members=(member,), housing=Housing(status="locataire")))
    return engine_info()
