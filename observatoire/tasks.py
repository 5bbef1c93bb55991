"""Background work of the observatory: the scheduled refresh of the summary tables."""

from django_tasks import task

from .services import observatory_refresh


@task()
def refresh_observatory() -> int:
    """Recompute the open months (``SCHEDULED_JOBS["observatoire_refresh"]``); returns the cells written."""
    return observatory_refresh().rows
