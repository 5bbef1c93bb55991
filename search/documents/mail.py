"""Mail items (``mail``) as search documents."""

from __future__ import annotations

from django.urls import reverse

from mail.models import MailItem

from .. import scope
from ..registry import DocumentType, SearchDoc, register

MAIL = "mail"


def mail_document(item: MailItem) -> SearchDoc:
    """A mail item: registration number, sender, recognised (OCR) text. Visible to mailroom agents
    and superusers, and to anyone with a current membership of the team it is routed to
    (``mail.perms.can_view_mail``)."""
    acl = [scope.MAILROOM]
    if item.team_id:
        acl.append(scope.team(item.team_id))
    label = item.mail_type.name if item.mail_type_id else (item.sender or item.original_name)
    return SearchDoc(
        kind=MAIL,
        object_id=item.pk,
        title=f"{item.registration_number} — {label}",
        subtitle=" · ".join(
            p for p in (item.citizen.display_name if item.citizen_id else "", item.get_status_display()) if p
        ),
        body="\n".join(p for p in (item.sender, item.ocr_text) if p),
        citizen_id=item.citizen_id,
        codes=[item.registration_number.upper()],
        status=item.status,
        acl=sorted(acl),
        sort_date=item.received_at,
    )


def _build_mail(ids) -> list[SearchDoc]:
    rows = MailItem.objects.filter(pk__in=ids).select_related("citizen", "mail_type").defer("suggestions")
    return [mail_document(m) for m in rows.order_by("pk")]


register(
    DocumentType(
        kind=MAIL,
        model=MailItem,
        build=_build_mail,
        url=lambda object_id: reverse("backoffice:mail_detail", args=[object_id]),
        rank=50,
    )
)
