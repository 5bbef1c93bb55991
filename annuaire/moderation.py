"""The registry of moderated models: what a proposed change may touch and how it is checked.

The annuaire registers its structures and services from ``AnnuaireConfig.ready()``; ``mednum`` registers its
places the same way (it sits above and may name the annuaire; the annuaire never names it). The moderation
services (``annuaire.services.change_propose`` / ``change_publish`` / ``change_reject``) and the staleness job
work on whatever is registered here.

- ``fields``: the model fields a proposal may set (``ForeignKey`` by its name; the value stored is the pk).
- ``validate(data, target) -> dict``: the proposal's values checked and converted to model values (keyed by
  field name); raises ``django.core.exceptions.ValidationError`` (a message dict by field, in French).
  ``target`` is ``None`` for a new record.
- ``can_propose(user, target) -> bool``: who may propose (default: ``annuaire.perms.can_edit_structure`` on the
  target's ``structure``, or the target itself when it is a structure; a new record: any account that may
  claim). The Info sociale team publishes.
- ``editors(obj) -> list[str]``: the e-mail addresses reminded when ``obj`` goes stale (default: the validated
  representatives of its structure).
- ``after_publish(obj, created)``: optional, called after a publication in its transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models


@dataclass(frozen=True)
class Moderated:
    model: type[models.Model]
    fields: tuple[str, ...]
    validate: Callable[[dict, models.Model | None], dict]
    can_propose: Callable | None = None
    editors: Callable | None = None
    after_publish: Callable | None = None


_registry: dict[str, Moderated] = {}


def register_moderated(
    model: type[models.Model],
    *,
    fields,
    validate: Callable[[dict, models.Model | None], dict],
    can_propose: Callable | None = None,
    editors: Callable | None = None,
    after_publish: Callable | None = None,
) -> Moderated:
    """Make ``model`` moderated (idempotent: a second ``ready()`` with the same arguments changes nothing)."""
    entry = Moderated(
        model=model,
        fields=tuple(fields),
        validate=validate,
        can_propose=can_propose,
        editors=editors,
        after_publish=after_publish,
    )
    unknown = [name for name in entry.fields if name not in {f.name for f in model._meta.get_fields()}]
    if unknown:
        raise ValueError(f"{model._meta.label}: unknown moderated fields {unknown}")
    label = model._meta.label_lower
    if label in _registry and _registry[label] != entry:
        raise ValueError(f"{model._meta.label} registered twice as moderated")
    _registry[label] = entry
    return entry


def moderated(model) -> Moderated:
    """The registration of ``model`` (a class or an instance); ``KeyError`` when it is not moderated."""
    return _registry[model._meta.label_lower]


def is_moderated(model) -> bool:
    return model._meta.label_lower in _registry


def registered() -> list[Moderated]:
    return list(_registry.values())
