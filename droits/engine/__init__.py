"""The rights engine: OpenFisca France estimates of a household's benefits (issue 21).

Public interface, used by the portal questionnaire and the social file::

    estimate(situation=..., period="2026-05") -> Estimate
    estimate_many(situations=[...], period=None) -> list[Estimate]   # one vectorised simulation per chunk
    BENEFITS                                                          # the catalogue: labels, how to apply
    engine_info(), warm_up()

The tax-benefit system is loaded once per process (lazily, under a lock); see runtime.py.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from .catalogue import BENEFITS, BENEFITS_BY_CODE, Benefit
from .compute import current_period, simulate
from .errors import EngineError, SituationError
from .runtime import engine_info, get_tax_benefit_system, load_count
from .situation import BenefitEstimate, Estimate, Housing, Member, Situation

# One simulation's arrays grow with the batch; above this many households the batch is simulated in chunks so a
# worker's memory stays bounded (5,000 households ~ a few hundred MB of intermediate arrays at most).
MAX_BATCH = 5000

_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")

__all__ = [
    "BENEFITS",
    "BENEFITS_BY_CODE",
    "MAX_BATCH",
    "Benefit",
    "BenefitEstimate",
    "EngineError",
    "Estimate",
    "Housing",
    "Member",
    "Situation",
    "SituationError",
    "engine_info",
    "estimate",
    "estimate_many",
    "load_count",
    "warm_up",
]


def _checked_period(period: str | None) -> str:
    if period is None:
        return current_period()
    match = _PERIOD.match(str(period))
    if not match or not 2021 <= int(match.group(1)) <= 2100:
        raise SituationError([f"Mois à estimer invalide « {period} » : format attendu AAAA-MM, depuis 2021."])
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
