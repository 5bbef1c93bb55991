"""Reads of incoming mail: permission-filtered in SQL, access-logged for one item and its scan.

``mail_items_for`` is the base queryset of every list (mailroom, team queues); lists log their own
consultation (``AccessLog.Action.MAIL_QUEUE``) where they are shown.
"""

from __future__ import annotations

from django.http import Http404

from grc.audit.models import AccessLog
from grc.audit.services import access_log_write
from grc.mail.models import MailItem
from grc.mail.perms import mail_visible_q


def mail_items_for(*, user):
    """The mail items ``user`` may see (``grc.mail.perms.can_view_mail``), newest first."""
    condition = mail_visible_q(user)
    if condition is None:
        return MailItem.objects.none()
    return MailItem.objects.filter(condition).order_by("-received_at", "-pk")


def mail_get(*, user, pk, request=None, purpose: str = "") -> MailItem:
    """One item the user may see (else ``Http404``); writes a ``MAIL_VIEW`` access-log row."""
    item = (
        mail_items_for(user=user).select_related("team", "mail_type", "citizen", "uploaded_by").filter(pk=pk).first()
    )
    if item is None:
        raise Http404
    access_log_write(
        actor=user,
        action=AccessLog.Action.MAIL_VIEW,
        citizen=item.citizen_id,
        obj=item,
        request=request,
        purpose=purpose or item.registration_number,
    )
    return item


def mail_scan_open(*, user, pk, request=None, purpose: str = ""):
    """``(item, file)``: the original scan opened for reading (else ``Http404``).

    Writes a ``MAIL_SCAN_VIEW`` access-log row. The caller closes the file (a ``FileResponse`` does).
    """
    item = mail_items_for(user=user).filter(pk=pk).first()
    if item is None:
        raise Http404
    access_log_write(
        actor=user,
        action=AccessLog.Action.MAIL_SCAN_VIEW,
        citizen=item.citizen_id,
        obj=item,
        request=request,
        purpose=purpose or item.registration_number,
    )
    return item, item.original.open("rb")
