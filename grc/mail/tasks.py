"""Background tasks of the mailroom (django-tasks; the database worker runs them)."""

from django_tasks import task


@task()
def recognise_mail(item_id: int) -> str:
    """Recognise one mail item: OCR every page, then suggestions (full version in progress)."""
    return "pending"
