"""The demo seeders, in the order ``seed_demo`` runs them.

The demo sits above the domain apps and below the portal: it may import the apps it seeds, never the
portal. So each app that has demo data registers its seeder here from its ``AppConfig.ready``: the
demo app registers the domain apps' seeders (``demo/seeders``), the portal registers its own pages and
accounts. A seeder is ``seed(*, actor, counts)``, idempotent: it looks up what it would create by a
stable key and only writes what is missing.

Order: ``after``/``before`` name the seeders that must run before/after this one (a seeder of a
lower app cannot know the upper ones, so the portal says ``before="demo.requests"`` rather than the
requests seeder naming the portal). Among seeders free to run, the first registered runs first, so the
order is the same at every run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Seeder:
    name: str
    # seed(*, actor, counts, **options) -> None
    seed: Callable[..., None]
    after: tuple[str, ...] = ()
    before: tuple[str, ...] = ()
    # The seed_demo options this seeder takes, by keyword (the size of the directory, say); the others
    # take none, so an option added for one app does not change every seeder's signature.
    options: tuple[str, ...] = ()


class SeederRegistry:
    """Seeders by name; ``ordered()`` sorts them by their constraints, registration order breaking ties."""

    def __init__(self) -> None:
        self._seeders: dict[str, Seeder] = {}

    def register(
        self,
        *,
        name: str,
        seed: Callable[..., None],
        after: Iterable[str] = (),
        before: Iterable[str] = (),
        options: Iterable[str] = (),
    ) -> Seeder:
        """Add a seeder; registering the same one again (a second ``ready``) changes nothing."""
        seeder = Seeder(name=name, seed=seed, after=tuple(after), before=tuple(before), options=tuple(options))
        if name in self._seeders and self._seeders[name] != seeder:
            raise ValueError(f"demo seeder {name!r} registered twice")
        self._seeders[name] = seeder
        return seeder

    def ordered(self) -> list[Seeder]:
        """Every seeder after those it must follow; an unknown name or a cycle is an error, not a skip."""
        names = list(self._seeders)
        needs: dict[str, set[str]] = {name: set() for name in names}
        for seeder in self._seeders.values():
            for other in (*seeder.after, *seeder.before):
                if other not in self._seeders:
                    raise ValueError(f"demo seeder {seeder.name!r} refers to {other!r}, which is not registered")
            needs[seeder.name].update(seeder.after)
            for later in seeder.before:
                needs[later].add(seeder.name)
        order: list[Seeder] = []
        done: set[str] = set()
        while len(order) < len(names):
            ready = next((name for name in names if name not in done and needs[name] <= done), None)
            if ready is None:
                pending = sorted(set(names) - done)
                raise ValueError(f"demo seeders wait for each other: {', '.join(pending)}")
            done.add(ready)
            order.append(self._seeders[ready])
        return order


_registry = SeederRegistry()


def register(
    *,
    name: str,
    seed: Callable[..., None],
    after: Iterable[str] = (),
    before: Iterable[str] = (),
    options: Iterable[str] = (),
) -> Seeder:
    """Register a demo seeder ``seed(*, actor, counts, **options)`` under ``name`` (from an ``AppConfig.ready``)."""
    return _registry.register(name=name, seed=seed, after=after, before=before, options=options)


def seeders() -> list[Seeder]:
    """The registered seeders in the order ``seed_demo`` runs them."""
    return _registry.ordered()
