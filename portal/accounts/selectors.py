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


def deletion_request_for_register(*, user, gdpr_request, request=None) -> AccountDeletionRequest | None:
    """The portal account deletion request behind a GDPR register entry, with its account and citizen,
    or ``None`` when the entry did not come from one. DPO only (404 otherwise); the read is logged."""
    if not can_handle_deletion_requests(user):
        raise Http404
    found = (
        AccountDeletionRequest.objects.select_related("user", "citizen", "handled_by")
        .filter(gdpr_request_id=gdpr_request.pk)
        .first()
    )
    if found is None:
        return None
    access_log_write(
        actor=user,
        action=AccessLog.Action.CITIZEN_VIEW,
        citizen=found.citizen,
        obj=found,
        purpose=f"demande de suppression de compte ({gdpr_request.reference})",
        request=request,
    )
    return found
