"""Retention purposes: what each app keeps about people, how long by default, and how it goes.

The lowest layer exposes the registry; every app holding personal data registers its purposes from
its ``AppConfig.ready`` (the social file, requests, mail, the access log, the portal accounts, the
GDPR register and its archives), and ``privacy.retention`` runs them: the DPO's rules, dry runs, the
export for the Archives départementales before anything is destroyed, erasure, and the anonymisation
of a citizen nothing needs any more. privacy never lists the apps, and no app imports privacy.

A purpose works on ids of its own rows. ``apply`` destroys or anonymises them in the caller's
transaction and says, through the :class:`Forget` it is given, which stored files and search
documents must follow (privacy deletes the files after commit and refreshes the search index: the
search app sits above the apps that register here). An app may also *extend* another app's purpose
(the portal closes its own account rows when the portal-account purpose closes an account).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

from django.core import serializers

# What replaces a name, a reason or a free text once anonymised (kept as a French word: it is shown).
ANONYMISED = "Anonymisé"
ANONYMISED_NAME = "ANONYMISÉ"


@dataclasses.dataclass
class Forget:
    """What a purpose's ``apply`` asks privacy to do once its transaction commits: delete ``files``
    [(storage, name)], and rebuild the search documents of ``search`` {document kind: ids} and of the
    social files ``search_files``."""

    files: list[tuple[Any, str]] = dataclasses.field(default_factory=list)
    search: dict[str, list[int]] = dataclasses.field(default_factory=dict)
    search_files: list[int] = dataclasses.field(default_factory=list)

    def search_objects(self, kind: str, ids) -> None:
        self.search.setdefault(kind, []).extend(ids)


def _no_citizens(ids) -> list[int]:
    return []


def _no_export(ids) -> tuple[list, list]:
    return [], []


@dataclasses.dataclass(frozen=True)
class RetentionPurpose:
    """One purpose (a ``privacy.RetentionRule.Purpose`` value) and how its data goes.

    ``default_rule``: the rule created when none exists (label, duration_months, warning_days,
    export_before_destruction, legal_reference). ``order``: its place in a full run (accounts first,
    their citizens may then become unused; the access log last).

    Per-object purposes give ``candidates(rule, cutoff)`` (a queryset of rows past the period),
    ``describe(ids)`` (the dry-run lines, naming no one), ``apply(ids, *, actor, reason, counts,
    forget)``, ``citizen_ids(ids)`` (citizens who may be left with nothing afterwards), ``export(ids)``
    ((records, [(name in the zip, FieldFile)]) for the Archives départementales) and, when the export
    holds citizens that ``citizen_ids`` does not give, ``export_citizen_ids(ids)``.
    ``of_citizens(citizen_ids)`` is the queryset of this purpose's rows about those citizens (what an
    erasure processes) and ``holds(citizen_ids)``, when narrower, those that still need the citizens'
    identity (default: the same); privacy leaves out the rows the purpose already processed.

    A purpose purged as a whole gives ``purge(*, before, actor, dry_run, reason) -> rows`` instead.
    ``check_months(months) -> str`` returns why a duration is refused ("" when accepted).
    """

    key: str
    order: int
    default_rule: dict
    candidates: Callable[..., Any] | None = None
    describe: Callable[[list[int]], list[dict]] | None = None
    apply: Callable[..., None] | None = None
    citizen_ids: Callable[[list[int]], list[int]] = _no_citizens
    export: Callable[[list[int]], tuple[list, list]] = _no_export
    export_citizen_ids: Callable[[list[int]], list[int]] | None = None
    of_citizens: Callable[[list[int]], Any] | None = None
    holds: Callable[[list[int]], Any] | None = None
    purge: Callable[..., int] | None = None
    check_months: Callable[[int], str] | None = None


@dataclasses.dataclass(frozen=True)
class RetentionExtension:
    """What an app adds to another app's purpose ``key`` for its own rows: ``apply`` (same signature,
    run after the purpose's), ``export(ids) -> {object id: {name: serialised rows}}`` merged into the
    purpose's records, and ``export_citizen_ids(ids)``."""

    key: str
    name: str
    apply: Callable[..., None] | None = None
    export: Callable[[list[int]], dict[int, dict]] | None = None
    export_citizen_ids: Callable[[list[int]], list[int]] | None = None


_PURPOSES: dict[str, RetentionPurpose] = {}
_EXTENSIONS: dict[tuple[str, str], RetentionExtension] = {}


def register(purpose: RetentionPurpose) -> RetentionPurpose:
    """Declare a purpose (from an ``AppConfig.ready``); registering the same one again is harmless."""
    if purpose.key in _PURPOSES and _PURPOSES[purpose.key] != purpose:
        raise ValueError(f"retention purpose {purpose.key!r} registered twice")
    _PURPOSES[purpose.key] = purpose
    return purpose


def extend(extension: RetentionExtension) -> RetentionExtension:
    """Add an app's own rows to another app's purpose (from an ``AppConfig.ready``)."""
    _EXTENSIONS[(extension.key, extension.name)] = extension
    return extension


def purposes() -> list[RetentionPurpose]:
    """The registered purposes, in the order a full run applies them."""
    return sorted(_PURPOSES.values(), key=lambda purpose: purpose.order)


def purpose(key: str) -> RetentionPurpose:
    """The purpose ``key``; a ``KeyError`` names a purpose no installed app registered."""
    return _PURPOSES[key]


def extensions(key: str) -> list[RetentionExtension]:
    """What other apps add to the purpose ``key``."""
    return [extension for (purpose_key, _name), extension in sorted(_EXTENSIONS.items()) if purpose_key == key]


# --- helpers shared by the purposes -------------------------------------------------------------------


def citizen_ids_of(model) -> Callable[[list[int]], list[int]]:
    """``citizen_ids`` of a purpose whose rows carry a ``citizen`` foreign key."""

    def citizen_ids(ids):
        return list(model.objects.filter(pk__in=ids).values_list("citizen_id", flat=True))

    return citizen_ids


def rows_of_citizens(model) -> Callable[[list[int]], Any]:
    """``of_citizens`` of a purpose whose rows carry a ``citizen`` foreign key."""

    def of_citizens(citizen_ids):
        return model.objects.filter(citizen_id__in=citizen_ids)

    return of_citizens


def history_model(model):
    """The django-simple-history model of ``model``: what was deleted or anonymised goes there too."""
    return model.history.model


def serialise(objects) -> list:
    """Rows as Django's JSON serialisation (the Archives export's records)."""
    return json.loads(serializers.serialize("json", objects))
