"""The OpenFisca France tax-benefit system, loaded once per process and shared by every estimate.

``FranceTaxBenefitSystem()`` parses thousands of parameter files (~4 s, ~110 MB): it is built lazily on first
use, under a lock so two threads of a web process never build it twice, then kept for the life of the process.
The worker calls :func:`warm_up` at start so the first estimate of the non-recours batch does not pay it.
"""

from __future__ import annotations

import threading
import time
from datetime import date
from importlib import metadata

import psutil

from .errors import EngineError

_LOCK = threading.Lock()
_STATE: dict = {"tbs": None, "load_seconds": None, "rss_before": None, "rss_after": None, "loads": 0}

FRANCE_DIST = "openfisca-france"
CORE_DIST = "openfisca-core"

# The parameters whose last revaluation dates the result ("barèmes connus au …"): the main amounts the
# estimate relies on, one per benefit family.
LEGISLATION_PARAMETERS = (
    ("RSA", "prestations_sociales.solidarite_insertion.minima_sociaux.rsa.rsa_m.montant_de_base_du_rsa"),
    ("prime d'activité", "prestations_sociales.solidarite_insertion.minima_sociaux.ppa.pa_m.montant_de_base"),
    ("AAH", "prestations_sociales.prestations_etat_de_sante.invalidite.aah.montant"),
    (
        "ASPA",
        "prestations_sociales.solidarite_insertion.minimum_vieillesse.aspa.montant_maximum_annuel.personnes_seules",
    ),
    ("BMAF", "prestations_sociales.prestations_familiales.bmaf.bmaf"),
)


def _versions() -> tuple[str, str]:
    return metadata.version(FRANCE_DIST), metadata.version(CORE_DIST)


def engine_label() -> str:
    """'OpenFisca France 176.1.8 (openfisca-core 44.7.1)', from the installed distributions."""
    france, core = _versions()
    return f"OpenFisca France {france} (openfisca-core {core})"


def _build():
    # The import itself is part of the cost measured (it pulls numpy, numexpr and the model's modules).
    from openfisca_france import FranceTaxBenefitSystem  # noqa: PLC0415 — loaded on first use, never at import

    return FranceTaxBenefitSystem()


def get_tax_benefit_system():
    """The process's tax-benefit system, built on first call (thread-safe); raises EngineError if it cannot load."""
    tbs = _STATE["tbs"]
    if tbs is not None:
        return tbs
    with _LOCK:
        if _STATE["tbs"] is None:
            process = psutil.Process()
            rss_before = process.memory_info().rss
            started = time.perf_counter()
            try:
                tbs = _build()
            except Exception as exc:  # any failure of a third-party load becomes our French error
                raise EngineError("Le moteur de calcul des droits n'a pas pu être chargé.") from exc
            _STATE.update(
                tbs=tbs,
                load_seconds=time.perf_counter() - started,
                rss_before=rss_before,
                rss_after=process.memory_info().rss,
                loads=_STATE["loads"] + 1,
            )
        return _STATE["tbs"]


def load_count() -> int:
    """How many times this process built the tax-benefit system (1 after the first estimate, never more)."""
    return _STATE["loads"]


def _parameter(tbs, dotted: str):
    node = tbs.parameters
    for part in dotted.split("."):
        node = node.children[part] if hasattr(node, "children") else getattr(node, part)
    return node


def legislation_dates(period_start: date) -> list[tuple[str, date]]:
    """For each reference parameter, the start date of the value in force at ``period_start``.

    The values of a parameter are listed newest first; the first one starting on or before the period is the one
    OpenFisca uses, so its date is the "barème connu" the result reflects.
    """
    tbs = get_tax_benefit_system()
    dates = []
    for label, dotted in LEGISLATION_PARAMETERS:
        try:
            parameter = _parameter(tbs, dotted)
        except (KeyError, AttributeError):
            continue  # a renamed parameter in a future release must not break the estimate, only the caption
        for value in parameter.values_list:
            start = date.fromisoformat(value.instant_str)
            if start <= period_start and value.value is not None:
                dates.append((label, start))
                break
    return dates


def engine_info() -> dict:
    """Versions, load time and memory of the engine in this process, for the admin screen and the benchmark."""
    france, core = _versions()
    loaded = _STATE["tbs"] is not None
    info = {
        "engine": engine_label(),
        "openfisca_france": france,
        "openfisca_core": core,
        "loaded": loaded,
        "loads": _STATE["loads"],
        "load_seconds": round(_STATE["load_seconds"], 3) if loaded else None,
        "rss_mb": round(psutil.Process().memory_info().rss / 1e6, 1),
        "rss_delta_mb": round((_STATE["rss_after"] - _STATE["rss_before"]) / 1e6, 1) if loaded else None,
    }
    return info
