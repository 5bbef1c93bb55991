"""The "Tâches" block of a request's and a letter's page: the open tasks about it that the agent may see and
the form to add one (posted to ``backoffice:task_create``, which reads the subject again through its own
selector and comes back to the page)."""

from __future__ import annotations

from travail import selectors
from travail.forms import TaskForm


def subject_tasks_context(http_request, *, request=None, mail_item=None) -> dict:
    """Context for ``backoffice/travail/_subject_tasks.html`` about ``request`` or ``mail_item`` (one of them),
    already read through its own selector by the calling view."""
    user = http_request.user
    if request is not None:
        field, value = "request_code", request.tracking_code
    else:
        field, value = "mail_item_id", mail_item.pk
    return {
        "subject_tasks": selectors.tasks_about(user=user, request=request, mail_item=mail_item),
        # Its own ids: the letter page's routing form has a "team" field too (two id_team on one page).
        "task_form": TaskForm(
            colleagues=selectors.colleagues_for(user=user), teams=selectors.teams_for(user=user), auto_id="task_%s"
        ),
        "subject_field": field,
        "subject_value": value,
    }
