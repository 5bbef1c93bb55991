"""E-mails of portal accounts sent by the task worker, scheduled after the transaction that asks for them
commits: the sign-up e-mails (verification link, "you already have an account"), the password reset link,
and what became of an account deletion request. The queue holds ids, never addresses."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task


@task()
def account_email_send(user_id: int, template: str, site_url: str) -> bool:
    """The sign-up e-mail ``template`` ("verify" or "exists") for account ``user_id``
    (``services.account_email_deliver``)."""
    from portal.accounts.services import account_email_deliver

    return account_email_deliver(user_id=user_id, template=template, site_url=site_url)


@task()
def password_reset_send(user_id: int, domain: str, use_https: bool) -> bool:
    """The password reset link for account ``user_id`` (``services.password_reset_deliver``)."""
    from portal.accounts.services import password_reset_deliver

    return password_reset_deliver(user_id=user_id, domain=domain, use_https=use_https)


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
