"""Writes of the observatory: only the refresh of its summary tables (no personal data, no history to keep:
each ``RefreshRun`` records when, which months and how many cells)."""

from __future__ import annotations

from collections.abc import Callable

from .models import RefreshRun
from .refresh import refresh


def observatory_refresh(
    *, rebuild: bool = False, progress: Callable[[str, int, int], None] | None = None
) -> RefreshRun:
    """Recompute the open months from the live data and freeze the closed ones (``observatoire.refresh``).

    ``rebuild`` also recomputes the frozen months (first load, benchmark): what was erased since is lost."""
    return refresh(rebuild=rebuild, progress=progress)
