"""What a citizen merge moves, and how undo puts it back.

Every app holding records attached to a citizen registers a ``MergeHandler``. ``citizen_merge``
calls each handler's ``move`` inside its transaction and stores what it returned in
``CitizenMerge.moves[handler.name]``; ``merge_undo`` gives the same value back to ``restore``.
Handlers must record their own history (django-simple-history) for the rows they change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class MergeHandler:
    name: str
    # move(source=, target=, actor=) -> JSON-serialisable record of what moved
    move: Callable[..., Any]
    # restore(source=, target=, moved=, actor=) -> None
    restore: Callable[..., None]
    # describe(citizen=) -> int: how many records this handler would move (shown before merging)
    count: Callable[..., int] | None = None


_handlers: dict[str, MergeHandler] = {}


def register(handler: MergeHandler) -> MergeHandler:
    if handler.name in _handlers and _handlers[handler.name] != handler:
        raise ValueError(f"merge handler {handler.name!r} registered twice")
    _handlers[handler.name] = handler
    return handler


def handlers() -> list[MergeHandler]:
    return list(_handlers.values())
