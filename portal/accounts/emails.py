"""E-mails telling a citizen what became of their account deletion request (sent by the task worker,
scheduled after the handling transaction commits)."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task


@task()
def account_deletion_notice_send(deletion_request_id: int) -> bool:
    """E-mail the outcome (deleted or refused with its reason) to the address captured in the request.

    Returns False when there is nothing to send (request gone or still open, no address).
    """
    from portal.accounts.models import AccountDeletionRequest
    from portal.accounts.services import _send

    request = AccountDeletionRequest.objects.select_related("gdpr_request").filter(pk=deletion_request_id).first()
    if request is None or request.status == AccountDeletionRequest.Status.OPEN or not request.email:
        return False
    if request.email.endswith(".invalid"):
        return False
    context = {
        "requested_on": timezone.localtime(request.requested_at).strftime("%d/%m/%Y"),
        "handled_on": timezone.localtime(request.handled_at or timezone.now()).strftime("%d/%m/%Y"),
        "reference": request.gdpr_request.reference if request.gdpr_request_id else "",
        "reason": request.handling_note,
    }
    template = (
        "account_deleted" if request.status == AccountDeletionRequest.Status.DONE else "account_deletion_refused"
    )
    _send(to=request.email, template=template, context=context)
    return True
