"""What follows a destruction once it commits: stored files deleted, search documents rebuilt."""

from __future__ import annotations

import logging

from django.db import transaction

from grc.retention_registry import Forget
from search import indexing

logger = logging.getLogger(__name__)


def delete_files(names_by_storage: list[tuple[object, str]]) -> None:
    """Delete stored files [(storage, name)]; one that cannot be deleted is logged without its name."""
    for storage, name in names_by_storage:
        if name:
            try:
                storage.delete(name)
            except OSError:  # pragma: no cover - already gone, or a storage error: logged without the name
                logger.warning("retention: could not delete a stored file")


def search_forget(*, citizen_ids=(), objects=(), file_ids=()) -> None:
    """After commit, rebuild the search documents of what changed (``search.indexing`` deletes those whose
    object is gone and rebuilds the others from the anonymised rows), on whichever backend is in use."""
    citizen_ids, file_ids = list(citizen_ids), list(file_ids)
    # ``objects``: (search document kind — "note", "request", "mail" —, ids) as the purposes name them.
    objects = [(kind, list(ids)) for kind, ids in objects if ids]

    def refresh():
        try:
            if file_ids:
                indexing.refresh_files(file_ids)
            for kind, ids in objects:
                indexing.refresh(kind, ids)
            if citizen_ids:
                indexing.refresh_citizens(citizen_ids)
        except Exception:  # the data is anonymised; a stale index is fixed by ``search_reindex``
            logger.exception("retention: search index refresh failed, run search_reindex")

    if citizen_ids or file_ids or objects:
        transaction.on_commit(refresh)


def forget_on_commit(forget: Forget) -> None:
    """Act on what a purpose's ``apply`` collected: search documents refreshed, then files deleted."""
    search_forget(objects=list(forget.search.items()), file_ids=forget.search_files)
    transaction.on_commit(lambda names=list(forget.files): delete_files(names))
