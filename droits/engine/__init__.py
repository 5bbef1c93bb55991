"""The rights engine: OpenFisca France estimates of a household's benefits (issue 21).

Public interface, used by the portal questionnaire and the social file::

    estimate(situation=..., period="2026-05") -> Estimate
    estimate_many(situations=[...], period=None) -> list[Estimate]   # one vectorised simulation per chunk
    BENEFITS                                                          # the catalogue: labels, how to apply
    engine_info(), warm_up()

The tax-benefit system is loaded once per process (lazily, under a lock); see runtime.py.
"""

from __future__ import annotations

from .api import MAX_BATCH, estimate, estimate_many, warm_up
from .catalogue import BENEFITS, BENEFITS_BY_CODE, Benefit
from .errors import EngineError, SituationError
from .runtime import engine_info, load_count
from .situation import BenefitEstimate, Estimate, Housing, Member, Situation
from .worker import warm_up_worker

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
    "warm_up_worker",
]
