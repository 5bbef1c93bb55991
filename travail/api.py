"""Tasks and notifications under ``/api/v1/`` (mounted on ``config.api.api``): the caller's own.

Same selectors and services as the back office: a task the caller may not see is a 404, a refused
write a French 422. Authentication is the API's (staff session with 2FA, or a team's service token).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from demandes import selectors as request_selectors
from dossier_unique import selectors as file_selectors
from grc.api_errors import READ_ERRORS, WRITE_ERRORS
from grc.perms import is_agent
from grc.schemas import MessageOut
from mail import selectors as mail_selectors

from . import selectors, services
from .schemas import NotificationPageOut, NotificationQuery, TaskIn, TaskOut, TaskPageOut, TaskQuery

router = Router(tags=["travail"])


def _require_agent(user) -> None:
    if not is_agent(user):
        raise PermissionDenied(_("Réservé aux agents du Département."))


def task_out(task) -> dict:
    return {
        "id": task.pk,
        "title": task.title,
        "due_date": task.due_date,
        "assignee_id": task.assignee_id,
        "team_id": task.team_id,
        "source": task.source,
        "request_code": task.request.tracking_code if task.request_id else None,
        "file_id": task.file_id,
        "mail_item_id": task.mail_item_id,
        "invitation_id": task.invitation_id,
        "created_at": task.created_at,
        "done_at": task.done_at,
        "url": services.subject_url(task=task),
    }


@router.get("/tasks", response={200: TaskPageOut, **READ_ERRORS, 403: MessageOut})
def task_list(request, query: Query[TaskQuery]):
    """The caller's tasks: ``moi`` (open, given to them), ``equipe`` (open, their teams'), ``faites`` (done)."""
    _require_agent(request.auth)
    rows = list(
        selectors.tasks_for(user=request.auth, scope=query.scope, due=query.due)[
            query.offset : query.offset + query.limit + 1
        ]
    )
    return {
        "items": [task_out(task) for task in rows[: query.limit]],
        "limit": query.limit,
        "offset": query.offset,
        "has_more": len(rows) > query.limit,
    }


@router.post("/tasks", response={201: TaskOut, **WRITE_ERRORS})
def task_create(request, payload: TaskIn):
    """Create a task for the caller (default), a colleague or a team, on at most one request, file or letter."""
    user = request.auth
    _require_agent(user)
    subject = {}
    if payload.request_code:
        subject["request"] = request_selectors.request_get(user=user, code=payload.request_code, log=False)
    if payload.file_id:
        subject["file"] = file_selectors.file_get(user=user, pk=payload.file_id, log=False)
    if payload.mail_item_id:
        subject["mail_item"] = mail_selectors.mail_get(user=user, pk=payload.mail_item_id, request=request)
    assignee, team = selectors.assignment_targets(user=user, assignee_id=payload.assignee_id, team_id=payload.team_id)
    task = services.task_create(
        actor=user, title=payload.title, due_date=payload.due_date, assignee=assignee, team=team, **subject
    )
    return Status(201, task_out(task))


@router.get("/notifications", response={200: NotificationPageOut, **READ_ERRORS})
def notification_list(request, query: Query[NotificationQuery]):
    """The caller's notifications, newest first: a kind and a link each (``unread`` for the unread ones)."""
    qs = selectors.notifications_for(user=request.auth, unread=query.unread)
    rows = list(qs[query.offset : query.offset + query.limit + 1])
    return {
        "items": [
            {
                "id": row.pk,
                "kind": row.kind,
                "label": row.get_kind_display(),
                "url": row.url,
                "created_at": row.created_at,
                "read_at": row.read_at,
            }
            for row in rows[: query.limit]
        ],
        "unread_count": selectors.unread_notification_count(user=request.auth),
        "limit": query.limit,
        "offset": query.offset,
        "has_more": len(rows) > query.limit,
    }
