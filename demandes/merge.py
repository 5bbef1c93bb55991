"""What a citizen merge does to requests, and how undo puts it back.

The loser's requests (any status, drafts included) move to the survivor; ``moves`` records their
primary keys. Undo moves back those still attached to the survivor. Every changed row gets a
history row with the acting user and the reason. Timeline entries of requests are moved by the
social file's handler (it moves every timeline entry of the loser).
"""

from __future__ import annotations

from simple_history.utils import bulk_update_with_history

from grc.merge_registry import MergeHandler

from .models import Request


def _reason(source, target, undo=False) -> str:
    verb = "annulation de la fusion" if undo else "fusion"
    return f"{verb} de l'usager n° {source.pk} dans l'usager n° {target.pk}"


def _move(rows, citizen, actor, reason):
    for row in rows:
        row.citizen = citizen
    if rows:
        bulk_update_with_history(rows, Request, ["citizen"], default_user=actor, default_change_reason=reason)


def move(*, source, target, actor):
    rows = list(Request.objects.filter(citizen=source).order_by("pk"))
    _move(rows, target, actor, _reason(source, target))
    return {"requests": [row.pk for row in rows]}


def restore(*, source, target, moved, actor):
    if not moved:
        return
    rows = list(Request.objects.filter(pk__in=moved.get("requests", []), citizen=target).order_by("pk"))
    _move(rows, source, actor, _reason(source, target, undo=True))


def count(*, citizen) -> int:
    return Request.objects.filter(citizen=citizen).count()


# No ``count`` registered: tests/grc/test_merge.py pins merge_preview's exact keys (see dossier_unique.merge).
REQUESTS_HANDLER = MergeHandler(name="requests", move=move, restore=restore)
