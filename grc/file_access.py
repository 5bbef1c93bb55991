"""Which team memberships open social files: the social-file app says it, the organisation asks.

``grc`` sits below ``dossier_unique`` and cannot import it; the social-file app registers one
``FileAccessSource`` at start-up (as it registers its merge handler). The membership services use it
to tell a change that opens social files (DPO alert) from one that does not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class FileAccessSource:
    # Membership roles that open file content (the others never do, whatever the team holds).
    roles: frozenset[str]
    # files_opened(user_id=, team_id=) -> how many social files a current membership of ``user_id``
    # in ``team_id`` (in one of ``roles``) lets them read today.
    files_opened: Callable[..., int]


_sources: dict[str, FileAccessSource] = {}


def register(name: str, source: FileAccessSource) -> FileAccessSource:
    if name in _sources and _sources[name] != source:
        raise ValueError(f"file access source {name!r} registered twice")
    _sources[name] = source
    return source


def opening_roles() -> frozenset[str]:
    """Every role that opens social files in some registered source."""
    return frozenset(role for source in _sources.values() for role in source.roles)


def files_opened(*, user_id: int, team_id: int, role: str) -> int:
    """How many social files a current membership (``user_id``, ``team_id``, ``role``) opens today."""
    return sum(
        source.files_opened(user_id=user_id, team_id=team_id) for source in _sources.values() if role in source.roles
    )
