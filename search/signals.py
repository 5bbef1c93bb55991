"""Signal handlers (registered in ``SearchConfig.ready``): after a commit that changed something the
index shows, enqueue the task that rebuilds the affected documents.

Other areas' services are not edited: ``post_save``/``post_delete`` of their models is enough
because every task rebuilds from the rows. Guardian's permission rows of social files are watched
too: opening or closing an accompaniment, a grant, an emergency access change who may see a file
and its notes. (A queryset ``update()`` sends no signal: code that bulk-updates these models must
call ``search.indexing`` itself, or ``search_reindex`` must run afterwards.)
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from dossier_unique.models import (
    Accompaniment,
    FileMember,
    Note,
    SocialFile,
    SocialFileGroupObjectPermission,
    SocialFileUserObjectPermission,
)
from grc.mail.models import MailItem
from grc.models import Address, Citizen, ContactPoint
from grc.requests.models import Request

from . import documents, tasks


def _enqueue(task, *args) -> None:
    if not getattr(settings, "SEARCH_AUTO_INDEX", True):
        return
    transaction.on_commit(lambda: task.enqueue(*args))


def _citizen(sender, instance, **kwargs):
    ids = [instance.pk]
    if instance.merged_into_id:
        ids.append(instance.merged_into_id)
    _enqueue(tasks.index_citizens, ids)


def _citizen_part(sender, instance, **kwargs):
    _enqueue(tasks.index_objects, documents.CITIZEN, [instance.citizen_id])


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
    (Note, _object(documents.NOTE)),
    (Request, _object(documents.REQUEST)),
    (MailItem, _object(documents.MAIL)),
]


def connect() -> None:
    for model, handler in HANDLERS:
        uid = f"search:{model._meta.label_lower}"
        post_save.connect(handler, sender=model, dispatch_uid=uid + ":save", weak=False)
        post_delete.connect(handler, sender=model, dispatch_uid=uid + ":delete", weak=False)
