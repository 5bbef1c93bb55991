"""Built-in merge handlers of the citizen reference, and a helper for other apps.

Each handler moves what hangs off the losing record (``source``) onto the survivor (``target``)
and returns a JSON-serialisable record of what it moved; ``restore`` puts exactly those rows back
(rows since moved elsewhere or deleted are left alone). History (django-simple-history) records the
acting user on every changed row.

Another app plugs its records in from its ``AppConfig.ready()``::

    from grc.merge_handlers import foreign_key_handler
    from grc.merge_registry import register

    register(foreign_key_handler("requests", Request))
"""

from __future__ import annotations

from django.db import models
from simple_history.exceptions import NotHistoricalModelError
from simple_history.utils import bulk_update_with_history, get_history_manager_for_model

from grc.history import save_tracked
from grc.merge_registry import MergeHandler, register
from grc.models import Address, Citizen, ContactPoint, HouseholdMembership


def _merge_reason(source, target) -> str:
    return f"fusion de l'usager n° {source.pk} dans l'usager n° {target.pk}"


def _undo_reason(source, target) -> str:
    return f"annulation de la fusion de l'usager n° {source.pk} dans l'usager n° {target.pk}"


def _repoint(model: type[models.Model], field: str, rows: list, citizen, actor, reason: str) -> None:
    """Point ``field`` of ``rows`` at ``citizen``, writing one history row each when the model has history."""
    if not rows:
        return
    for row in rows:
        setattr(row, field, citizen)
    try:
        get_history_manager_for_model(model)
    except NotHistoricalModelError:
        model._default_manager.filter(pk__in=[row.pk for row in rows]).update(**{field: citizen})
        return
    bulk_update_with_history(rows, model, [field], default_user=actor, default_change_reason=reason)


def foreign_key_handler(
    name: str, model: type[models.Model], field: str = "citizen", *, key: str | None = None, counted: bool = True
) -> MergeHandler:
    """A handler moving every ``model`` row whose ``field`` (a FK to Citizen) points at the loser.

    ``moves`` records the primary keys moved (under ``{key: [...]}`` when ``key`` is given: the shape
    merges already stored by an app expect at undo); undo moves back those still on the survivor.
    ``counted=False`` leaves the handler out of ``merge_preview``.
    """

    def move(*, source, target, actor):
        rows = list(model._default_manager.filter(**{field: source}).order_by("pk"))
        _repoint(model, field, rows, target, actor, _merge_reason(source, target))
        ids = [row.pk for row in rows]
        return {key: ids} if key else ids

    def restore(*, source, target, moved, actor):
        ids = (moved or {}).get(key, []) if key else moved
        rows = list(model._default_manager.filter(pk__in=ids or [], **{field: target}).order_by("pk"))
        _repoint(model, field, rows, source, actor, _undo_reason(source, target))

    def count(*, citizen):
        return model._default_manager.filter(**{field: citizen}).count()

    return MergeHandler(name=name, move=move, restore=restore, count=count if counted else None)


def _move_portal_account(*, source, target, actor):
    """The loser's portal account goes to the survivor (the merge refuses two different accounts)."""
    if source.user_id is None or target.user_id is not None:
        return None
    user_id = source.user_id
    reason = _merge_reason(source, target)
    # One account, one citizen: unlink from the loser before linking to the survivor.
    source.user = None
    save_tracked(source, actor, reason)
    target.user_id = user_id
    save_tracked(target, actor, reason)
    return {"user_id": user_id}


def _restore_portal_account(*, source, target, moved, actor):
    if not moved or target.user_id != moved.get("user_id") or source.user_id is not None:
        return
    reason = _undo_reason(source, target)
    target.user = None
    save_tracked(target, actor, reason)
    source.user_id = moved["user_id"]
    save_tracked(source, actor, reason)


def _count_portal_account(*, citizen):
    return int(citizen.user_id is not None)


def _move_merged_records(*, source, target, actor):
    """Records earlier merged into the loser now redirect to the survivor (no chains of redirects)."""
    rows = list(Citizen.objects.filter(merged_into=source).order_by("pk"))
    reason = _merge_reason(source, target)
    for row in rows:
        row.merged_into = target
        save_tracked(row, actor, reason)
    return [row.pk for row in rows]


def _restore_merged_records(*, source, target, moved, actor):
    reason = _undo_reason(source, target)
    for row in Citizen.objects.filter(pk__in=moved or [], merged_into=target).order_by("pk"):
        row.merged_into = source
        save_tracked(row, actor, reason)


def _count_merged_records(*, citizen):
    return Citizen.objects.filter(merged_into=citizen).count()


ADDRESSES = register(foreign_key_handler("addresses", Address))
CONTACT_POINTS = register(foreign_key_handler("contact_points", ContactPoint))
HOUSEHOLD_MEMBERSHIPS = register(foreign_key_handler("household_memberships", HouseholdMembership))
PORTAL_ACCOUNT = register(
    MergeHandler(
        name="portal_account",
        move=_move_portal_account,
        restore=_restore_portal_account,
        count=_count_portal_account,
    )
)
MERGED_RECORDS = register(
    MergeHandler(
        name="merged_records",
        move=_move_merged_records,
        restore=_restore_merged_records,
        count=_count_merged_records,
    )
)
