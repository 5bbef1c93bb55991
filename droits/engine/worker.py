"""Loading the engine when the task worker starts, so its first non-recours batch does not pay the load."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.conf import settings

from .api import warm_up
from .errors import EngineError

logger = logging.getLogger(__name__)

WORKER_COMMANDS = frozenset({"db_worker"})


def warm_up_worker(*, argv: Sequence[str]) -> dict | None:
    """In a ``manage.py db_worker`` process with ``DROITS_WARM_UP`` on, load the engine now (synchronously).

    Called from ``DroitsConfig.ready()`` with ``sys.argv``. Synchronous on purpose: the worker runs tasks only
    after the apps are ready, and a loading thread would be copied half-done (its lock held) if a process forked.
    Returns engine_info() when it loaded, None when it did nothing. A failure is logged and the worker starts
    anyway: the estimates then fail with their French EngineError, the other tasks run.
    """
    if len(argv) < 2 or argv[1] not in WORKER_COMMANDS or not getattr(settings, "DROITS_WARM_UP", True):
        return None
    try:
        info = warm_up()
    except EngineError:
        logger.exception("droits: the OpenFisca engine could not be loaded at worker start")
        return None
    logger.info("droits: OpenFisca engine loaded in %.1f s (%s MB)", info["load_seconds"], info["rss_delta_mb"])
    return info
