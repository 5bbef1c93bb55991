"""The e-mail verification link of a portal account: a signed, timestamped token naming the account and
the address it was sent to. Made when the e-mail is built (``emails``), read back when the link is
followed (``views.verify``, ``services.account_verify_email``); nothing here writes."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

VERIFY_SALT = "portal.accounts.verify-email"


def verification_token(*, user) -> str:
    """A signed, timestamped token naming the account and the address it was sent to."""
    return signing.dumps({"u": user.pk, "e": user.email}, salt=VERIFY_SALT, compress=True)


def verification_url(*, user, site_url: str) -> str:
    """The absolute verification link of ``user`` on the site at ``site_url``."""
    return site_url.rstrip("/") + reverse("accounts:verify", args=[verification_token(user=user)])


def user_from_verification_token(*, token: str):
    """The account a verification token names, or ``ValidationError`` (code ``expired`` or ``invalid``)."""
    try:
        data = signing.loads(token, salt=VERIFY_SALT, max_age=settings.ACCOUNTS_VERIFY_MAX_AGE_SECONDS)
    except signing.SignatureExpired as exc:
        raise ValidationError(_("Ce lien a expiré."), code="expired") from exc
    except signing.BadSignature as exc:
        raise ValidationError(_("Ce lien n'est pas valide."), code="invalid") from exc
    user = get_user_model().objects.filter(pk=data.get("u"), is_staff=False).first()
    # A link sent to an address the account no longer has is void.
    if user is None or user.email != data.get("e"):
        raise ValidationError(_("Ce lien n'est pas valide."), code="invalid")
    return user
