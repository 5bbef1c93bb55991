"""Reads of the organisation (teams) for the back office's choices.

Team names are not personal data: every staff member may list them. The user is taken all the same,
as every selector does, so a rule can be added without changing the callers.
"""

from __future__ import annotations

from django.db.models import QuerySet

from grc.models import Team


def teams_for_choice(*, user) -> list[Team]:
    """Every team, active or not, by name, with only its id and name (the file page's team choices)."""
    return list(Team.objects.order_by("name").only("pk", "name"))


def teams_to_forward_to(*, user, current_team_id: int | None) -> QuerySet[Team]:
    """The active teams a piece of work may be handed to: all but the one holding it now."""
    return Team.objects.filter(is_active=True).exclude(pk=current_team_id)
