"""Background tasks of the social file (django-tasks; the database worker runs them)."""

from django_tasks import task

from .services.access import team_groups_sync_all
from .services.expiry import expire_grants_and_emergency_accesses


@task()
def expire_file_access() -> dict[str, int]:
    """Take back the access of expired sharing grants and emergency accesses, and re-mirror team
    groups for guardian's ``has_perm`` (run every few minutes)."""
    summary = expire_grants_and_emergency_accesses()
    summary["team_groups"] = team_groups_sync_all()
    return summary
