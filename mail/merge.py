"""What a citizen merge does to incoming mail, and how undo puts it back.

Letters qualified for the merged (losing) citizen are re-pointed to the survivor; ``moves`` keeps
their primary keys so undo moves back those still on the survivor. Every changed row gets a history
row with the acting user and the reason. (``MAIL_ROUTED`` timeline entries are moved by the social
file's own handler, with every other timeline entry.)
"""

from __future__ import annotations

from simple_history.utils import bulk_update_with_history

from grc.merge_registry import MergeHandler

from .models import MailItem


def _reason(source, target, undo=False) -> str:
    verb = "annulation de la fusion" if undo else "fusion"
    return f"{verb} de l'usager n° {source.pk} dans l'usager n° {target.pk}"


def _repoint(items, citizen, actor, reason):
    for item in items:
        item.citizen = citizen
    if items:
        bulk_update_with_history(items, MailItem, ["citizen"], default_user=actor, default_change_reason=reason)


def move(*, source, target, actor):
    items = list(MailItem.objects.filter(citizen=source).order_by("pk"))
    _repoint(items, target, actor, _reason(source, target))
    return {"items": [item.pk for item in items]}


def restore(*, source, target, moved, actor):
    ids = (moved or {}).get("items", [])
    if not ids:
        return
    items = list(MailItem.objects.filter(pk__in=ids, citizen=target).order_by("pk"))
    _repoint(items, source, actor, _reason(source, target, undo=True))


def count(*, citizen) -> int:
    return MailItem.objects.filter(citizen=citizen).count()


# ``count`` is not passed: tests/grc/test_merge.py pins merge_preview's exact keys (see dossier_unique/merge.py).
MAIL_HANDLER = MergeHandler(name="mail", move=move, restore=restore)
