"""Index updates in the background (django-tasks; ``manage.py db_worker`` runs them).

Enqueued after commit by ``search.signals``; arguments are plain ids, the work is idempotent.
"""

from django_tasks import task

from . import indexing


@task()
def index_objects(kind: str, ids: list[int]) -> int:
    return indexing.refresh(kind, ids)


@task()
def index_files(file_ids: list[int]) -> int:
    return indexing.refresh_files(file_ids)


@task()
def index_citizens(citizen_ids: list[int]) -> int:
    return indexing.refresh_citizens(citizen_ids)
