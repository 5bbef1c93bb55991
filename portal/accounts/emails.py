"""E-mails of portal accounts, built and sent by the task worker once the transaction that asks for them
commits (``services`` schedules them): the sign-up e-mails (verification link, "you already have an
account"), the password reset link, and what became of an account deletion request. The queue holds
ids, never addresses: each task reads the account again and sends nothing when it is gone or erased."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tasks import task

from portal.accounts.models import AccountDeletionRequest, CitizenProfile
from portal.accounts.throttle import allow_recipient
from portal.accounts.verification import verification_url

# E-mails an anonymous form can trigger: counted per recipient (portal.accounts.throttle).
ANONYMOUS_TEMPLATES = {"verify", "exists", "password_reset"}


def _send(*, to: str, template: str, context: dict) -> None:
    if template in ANONYMOUS_TEMPLATES and not allow_recipient(to):
        return
    subject = render_to_string(f"accounts/email/{template}_subject.txt", context).strip()
    body = render_to_string(f"accounts/email/{template}_body.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])


@task()
def account_email_send(user_id: int, template: str, site_url: str) -> bool:
    """Send the sign-up e-mail ``template`` to the account ``user_id``: "verify" with a verification link
    made now, "exists" with the login and reset links. Nothing for an account gone, erased or, for
    "verify", verified meanwhile; False when nothing was sent."""
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None or user.email.endswith(".invalid"):
        return False
    if template == "verify":
        if (
            user.is_staff
            or user.is_active
            or CitizenProfile.objects.filter(user=user, email_verified_at__isnull=False).exists()
        ):
            return False
        context = {
            "url": verification_url(user=user, site_url=site_url),
            "days": settings.ACCOUNTS_VERIFY_MAX_AGE_SECONDS // 86400,
        }
    elif template == "exists":
        context = {
            "login_url": site_url.rstrip("/") + reverse("login"),
            "reset_url": site_url.rstrip("/") + reverse("accounts:password_reset"),
        }
    else:
        raise ValueError(f"unknown sign-up e-mail: {template}")
    _send(to=user.email, template=template, context=context)
    return True


@task()
def password_reset_send(user_id: int, domain: str, use_https: bool) -> bool:
    """Send Django's password reset link to the account ``user_id``, counted per recipient like the other
    anonymous-form e-mails; nothing for an account deactivated or without a password since. False when
    nothing was sent."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_usable_password() or user.email.endswith(".invalid"):
        return False
    context = {
        "email": user.email,
        "domain": domain,
        "site_name": domain,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": "https" if use_https else "http",
    }
    _send(to=user.email, template="password_reset", context=context)
    return True


@task()
def account_deletion_notice_send(deletion_request_id: int) -> bool:
    """E-mail the outcome (deleted or refused with its reason) to the address captured in the request.

    Returns False when there is nothing to send (request gone or still open, no address).
    """
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
