"""Background tasks of requests (django-tasks; the database worker runs them)."""

from django_tasks import task

from .models import Request
from .notifications import send


@task()
def request_notice_send(request_id: int, kind: str) -> bool:
    """E-mail the citizen the ``kind`` notice of request ``request_id`` (see ``notifications``)."""
    request = Request.objects.select_related("account", "citizen__user").filter(pk=request_id).first()
    if request is None:
        return False
    return send(request, kind)
