"""Signal handlers (registered in ``SearchConfig.ready``): after a commit that changed something the
index shows, enqueue the task that rebuilds the affected documents.

Other areas' services are not edited: ``post_save``/``post_delete`` of their models is enough
because every task rebuilds from the rows. A registered kind's own model rebuilds its document
(``search.registry``); citizens and social files have handlers of their own, since a change there
reaches other documents (a merge, an address, who may see a file and its notes). Guardian's
permission rows of social files are watched too: opening or closing an accompaniment, a grant, an
emergency access change who may see a file and its notes. (A queryset ``update()`` sends no signal:
code that bulk-updates these models must call ``search.indexing`` itself, or ``search_reindex`` must
run afterwards.)
"""

from __future__ import annotations

import threading

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from dossier_unique.models import (
    Accompaniment,
    FileMember,
    SocialFile,
    SocialFileGroupObjectPermission,
    SocialFileUserObjectPermission,
)
from grc.models import Address, Citizen, ContactPoint

from . import registry, tasks
from .documents.grc import CITIZEN

_local = threading.local()


def _flush() -> None:
    pending, _local.pending = getattr(_local, "pending", {}), {}
    for (task, kind), ids in pending.items():
        if kind is None:
            task.enqueue(sorted(ids))
        else:
            task.enqueue(kind, sorted(ids))


def _enqueue(task, *args) -> None:
    """Enqueue after commit, one task per (task, kind) per transaction with the ids gathered."""
    if not getattr(settings, "SEARCH_AUTO_INDEX", True):
        return
    kind, ids = (args[0], args[1]) if len(args) == 2 else (None, args[0])
    if not transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: task.enqueue(*args))
        return
    pending = getattr(_local, "pending", None)
    if pending is None:
        pending = _local.pending = {}
    pending.setdefault((task, kind), set()).update(i for i in ids if i is not None)
    # Every change registers a flush, and the first flush to run after commit drains everything
    # gathered so far: one task per (task, kind) per transaction, the later flushes find nothing.
    # Ids of a rolled-back transaction may be flushed by a later one: harmless, tasks rebuild from rows.
    transaction.on_commit(_flush)


def _citizen(sender, instance, **kwargs):
    ids = [instance.pk]
    if instance.merged_into_id:
        ids.append(instance.merged_into_id)
    _enqueue(tasks.index_citizens, ids)


def _citizen_part(sender, instance, **kwargs):
    _enqueue(tasks.index_objects, CITIZEN, [instance.citizen_id])


def _file(sender, instance, **kwargs):
    _enqueue(tasks.index_files, [instance.pk])


def _file_part(sender, instance, **kwargs):
    _enqueue(tasks.index_files, [instance.file_id])


def _file_permission(sender, instance, **kwargs):
    _enqueue(tasks.index_files, [instance.content_object_id])


def _object(kind):
    def handler(sender, instance, **kwargs):
        _enqueue(tasks.index_objects, kind, [instance.pk])

    return handler


HANDLERS = [
    (Citizen, _citizen),
    (Address, _citizen_part),
    (ContactPoint, _citizen_part),
    (SocialFile, _file),
    (Accompaniment, _file_part),
    (FileMember, _file_part),
    (SocialFileGroupObjectPermission, _file_permission),
    (SocialFileUserObjectPermission, _file_permission),
]


def connect() -> None:
    """Watch the models above, and the model of every other registered kind (notes, requests, mail…)."""
    watched = {model for model, _ in HANDLERS}
    handlers = HANDLERS + [
        (registry.document_type(kind).model, _object(kind))
        for kind in registry.kinds()
        if registry.document_type(kind).model not in watched
    ]
    for model, handler in handlers:
        uid = f"search:{model._meta.label_lower}"
        post_save.connect(handler, sender=model, dispatch_uid=uid + ":save", weak=False)
        post_delete.connect(handler, sender=model, dispatch_uid=uid + ":delete", weak=False)
