"""What every demo seeder shares: the counts ``seed_demo`` prints, and the idempotent write of one row.

Each seeder looks up what it would create by a stable key (a ``code``, a name, an e-mail) and only
writes what is missing or different, so running the demo again changes nothing.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict

from grc.history import save_tracked

CHANGE_REASON = "données de démonstration"


@dataclasses.dataclass
class Counts:
    """Per kind of object: how many this run created and how many were already there."""

    created: dict[str, int] = dataclasses.field(default_factory=lambda: defaultdict(int))
    existing: dict[str, int] = dataclasses.field(default_factory=lambda: defaultdict(int))

    def add(self, label: str, created: bool) -> None:
        (self.created if created else self.existing)[label] += 1

    def labels(self) -> list[str]:
        return list(dict.fromkeys([*self.created, *self.existing]))


def upsert(model, lookup: dict, values: dict, *, actor, counts: Counts, label: str):
    """Create the object if missing; otherwise update only the fields that differ (no empty history rows)."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        save_tracked(obj, actor, CHANGE_REASON)
        counts.add(label, created=True)
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    if changed:
        save_tracked(obj, actor, CHANGE_REASON, update_fields=changed)
    counts.add(label, created=False)
    return obj
