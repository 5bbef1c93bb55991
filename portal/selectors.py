"""Reads of the portal's pages for the back office."""

from __future__ import annotations

from django.db.models import QuerySet

from portal.models import ProcedurePage


def procedures_for_counter(*, user) -> QuerySet[ProcedurePage]:
    """The live procedure pages, by title: what an agent may file at a counter on a citizen's behalf.

    Published pages are public, so every agent may list them; ``user`` keeps the selectors' shape.
    """
    return ProcedurePage.objects.live().order_by("title")
