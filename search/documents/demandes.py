"""Filed requests (``demandes``) as search documents."""

from __future__ import annotations

from django.urls import reverse

from demandes.models import Request

from .. import scope
from ..registry import DocumentType, SearchDoc, register
from .fields import texts

REQUEST = "request"


def request_document(request: Request) -> SearchDoc | None:
    """A filed request: tracking code, procedure, the citizen, the answers. Visible to its team's
    instructors, social workers and managers and to the agent in charge (``demandes.perms``);
    drafts are the citizen's own and are not indexed."""
    if request.status == Request.Status.DRAFT:
        return None
    citizen = request.citizen
    acl = [scope.request_team(request.team_id)] if request.team_id else []
    if request.assigned_to_id:
        acl.append(scope.user(request.assigned_to_id))
    return SearchDoc(
        kind=REQUEST,
        object_id=request.pk,
        title=f"{request.tracking_code} — {request.procedure_title}",
        subtitle=" · ".join(p for p in (citizen.display_name if citizen else "", request.get_status_display()) if p),
        body="\n".join([request.procedure_title, citizen.display_name if citizen else "", *texts(request.answers)]),
        citizen_id=request.citizen_id,
        codes=[request.tracking_code.upper()],
        status=request.status,
        acl=sorted(acl),
        sort_date=request.submitted_at or request.created_at,
    )


def _build_requests(ids) -> list[SearchDoc]:
    rows = Request.objects.filter(pk__in=ids).select_related("citizen").order_by("pk")
    return [d for r in rows if (d := request_document(r))]


def _request_url(object_id: int) -> str:
    """The request's page is addressed by its tracking code."""
    code = Request.objects.filter(pk=object_id).values_list("tracking_code", flat=True).first()
    return reverse("backoffice:request_detail", args=[code]) if code else ""


def _filed_requests():
    return Request.objects.exclude(status=Request.Status.DRAFT)


register(
    DocumentType(
        kind=REQUEST,
        model=Request,
        build=_build_requests,
        url=_request_url,
        rank=40,
        rows=_filed_requests,
    )
)
