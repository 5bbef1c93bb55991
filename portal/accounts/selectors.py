"""Reads of citizen-account records by staff (permission-filtered in SQL, logged)."""

from django.http import Http404

from grc.audit.models import AccessLog
from grc.audit.services import access_log_write
from portal.accounts.models import AccountDeletionRequest
from portal.accounts.perms import can_handle_deletion_requests


def deletion_requests_for(*, user, status: str | None = AccountDeletionRequest.Status.OPEN):
    """Deletion requests ``user`` may handle (none unless DPO), oldest first; ``status=None`` for all."""
    queryset = AccountDeletionRequest.objects.select_related("citizen", "handled_by").order_by("requested_at", "pk")
    if not can_handle_deletion_requests(user):
        return queryset.none()
    if status is not None:
        queryset = queryset.filter(status=status)
    return queryset


def deletion_request_get(*, user, pk: int, request=None) -> AccountDeletionRequest:
    """One deletion request, for the DPO only (404 otherwise); the read is written to the access log."""
    found = deletion_requests_for(user=user, status=None).filter(pk=pk).first()
    if found is None:
        raise Http404
    access_log_write(
        actor=user,
        action=AccessLog.Action.CITIZEN_VIEW,
        citizen=found.citizen,
        obj=found,
        purpose="demande de suppression de compte",
        request=request,
    )
    return found
