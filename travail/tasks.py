"""Background work of the agents' day (django-tasks; the database worker runs them)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django_tasks import task

from . import selectors, services


@task()
def send_daily_digests() -> dict:
    """One e-mail per agent with notifications not e-mailed yet (``services.digest_send``); scheduled daily.

    Returns the summary: agents looked at, e-mails sent, notifications listed.
    """
    users = get_user_model().objects.filter(pk__in=selectors.digest_recipients())
    sent = listed = 0
    seen = 0
    for user in users.iterator():
        seen += 1
        count = services.digest_send(user=user)
        if count:
            sent += 1
            listed += count
    return {"agents": seen, "emails": sent, "notifications": listed}
