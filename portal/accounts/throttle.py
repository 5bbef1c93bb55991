"""Limits on what anonymous portal forms may make us send (sign-up, new verification link, password
reset): per recipient address, silently (the page says the same thing whether or not an e-mail went,
so nobody learns which addresses have accounts), and per client IP, with a French error.

Counted in the database (``EmailThrottle``) so every web worker shares the counts; keys are HMACs
of the addresses with SECRET_KEY, never the addresses.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import logging

from django.conf import settings
from django.utils import timezone

from portal.accounts.models import EmailThrottle

logger = logging.getLogger(__name__)

WINDOW = datetime.timedelta(hours=1)
KEEP = datetime.timedelta(days=1)


def _key(scope: str, value: str) -> str:
    message = f"{scope}:{value.strip().lower()}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def allow(scope: str, value: str, *, limit: int) -> bool:
    """Count one more event for ``value`` in ``scope``; False (and nothing counted) past ``limit`` an hour."""
    if limit <= 0:
        return True  # 0: no limit
    if not value:
        return True
    now = timezone.now()
    key = _key(scope, value)
    EmailThrottle.objects.filter(at__lt=now - KEEP).delete()
    if EmailThrottle.objects.filter(scope=scope, key=key, at__gte=now - WINDOW).count() >= limit:
        logger.warning("portal e-mail throttle: %s limit reached", scope)
        return False
    EmailThrottle.objects.create(scope=scope, key=key)
    return True


def allow_recipient(email: str) -> bool:
    """May one more anonymous-form e-mail go to ``email`` this hour?"""
    return allow("recipient", email, limit=settings.ACCOUNTS_EMAILS_PER_ADDRESS_PER_HOUR)


def allow_client(request) -> bool:
    """May this client post one more anonymous e-mail-sending form this hour?"""
    return allow("client", request.META.get("REMOTE_ADDR", ""), limit=settings.ACCOUNTS_FORMS_PER_IP_PER_HOUR)
