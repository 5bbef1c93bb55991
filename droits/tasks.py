"""Background tasks of rights estimates (django-tasks; ``manage.py db_worker`` runs them, with the engine loaded
once per worker process).

- ``non_recours_rebuild_task``: the nightly rebuild of every possible non-recours (``SCHEDULED_JOBS``);
- ``non_recours_refresh_person``: one person's, when their situation, a request or an accompaniment changes.
"""

from django_tasks import task

from .batch import non_recours_rebuild
from .batch import non_recours_refresh_person as _refresh_person


@task()
def non_recours_rebuild_task() -> dict:
    """Rebuild the possible non-recours of every consenting person; returns the run's summary (counts only)."""
    run = non_recours_rebuild()
    return {
        "run": run.pk,
        "status": run.status,
        "households": run.households_done,
        "skipped": run.households_skipped,
        "rows": run.rows_written,
    }


@task()
def non_recours_refresh_person(citizen_id: int) -> int:
    """Recompute the possible non-recours of citizen ``citizen_id``; returns the rows written."""
    return _refresh_person(citizen_id=citizen_id)
