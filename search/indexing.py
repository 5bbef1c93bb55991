"""Bring the index in line with the database for some objects (what the tasks and commands call).

Every function is idempotent: it rebuilds the documents from the current rows and removes those
that no longer have one, so a task that runs twice, late or out of order leaves the index right.
"""

from __future__ import annotations

from django.db import transaction

from dossier_unique.models import Note

from . import registry
from .backends import get_backend
from .documents.dossier_unique import FILE, NOTE
from .documents.grc import CITIZEN


def refresh(kind: str, ids, backend=None) -> int:
    """Rebuild ``kind`` documents of ``ids``; delete the ones whose object is gone or not indexable."""
    backend = backend or get_backend()
    with transaction.atomic():
        docs, missing = registry.build(kind, ids)
    backend.bulk(docs, {kind: missing})
    return len(docs)


def refresh_files(file_ids, backend=None) -> int:
    """A file and its notes: the notes carry the file's permission (``acl``)."""
    backend = backend or get_backend()
    file_ids = list(file_ids)
    count = refresh(FILE, file_ids, backend)
    note_ids = list(Note.objects.filter(file_id__in=file_ids).values_list("pk", flat=True))
    return count + refresh(NOTE, note_ids, backend)


def refresh_citizens(citizen_ids, backend=None) -> int:
    """Citizens and every document that shows them: a merged citizen leaves the index, the documents
    indexed under it are rebuilt from their rows (now pointing at the survivor)."""
    backend = backend or get_backend()
    citizen_ids = [int(i) for i in citizen_ids]
    count = refresh(CITIZEN, citizen_ids, backend)
    keys = registry.related_keys(citizen_ids)
    for citizen_id in citizen_ids:
        for kind, ids in backend.keys_for_citizen(citizen_id).items():
            keys.setdefault(kind, set()).update(ids)
    for kind in registry.related_kinds():
        if keys.get(kind):
            count += refresh(kind, keys[kind], backend)
    return count
