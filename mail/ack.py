"""Acknowledgement of receipt (accusé de réception) of a letter, for types that have it switched on.

When it is available and how the PDF reads; ``mail.services.mail_acknowledge`` produces it and records it.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from grc.pdf import Section, render_pdf
from mail.models import MailItem


def acknowledgement_available(item: MailItem) -> bool:
    """A letter qualified with a type whose acknowledgement is on, about a citizen."""
    return bool(
        item.mail_type_id
        and item.mail_type.acknowledgement_enabled
        and item.citizen_id
        and item.status in (MailItem.Status.QUALIFIED, MailItem.Status.ROUTED, MailItem.Status.HANDLED)
    )


def _recipient_lines(citizen) -> list[str]:
    address = citizen.addresses.filter(end_date__isnull=True).order_by("-start_date", "-id").first()
    lines = [citizen.display_name]
    if address:
        lines += [line for line in (address.line1, address.line2, f"{address.postcode} {address.city}") if line]
    return lines


def acknowledgement_pdf(item: MailItem) -> bytes:
    """The letter's acknowledgement: registration number, date received, type, team, due date, the type's text."""
    received = timezone.localtime(item.received_at)
    rows = [
        (_("Numéro d'enregistrement"), item.registration_number),
        (_("Reçu le"), f"{received:%d/%m/%Y}"),
        (_("Objet"), item.mail_type.name),
        (_("Service destinataire"), item.team.name if item.team_id else _("À déterminer")),
    ]
    if item.due_date:
        rows.append((_("Réponse attendue au plus tard le"), f"{item.due_date:%d/%m/%Y}"))
    if item.request_id:
        rows.append((_("Demande liée"), item.request.tracking_code))
    text = (item.mail_type.acknowledgement_text or "").strip() or _(
        "Nous avons bien reçu votre courrier. Il a été transmis au service compétent, qui vous répondra. "
        "Merci de rappeler le numéro d'enregistrement ci-dessus dans toute correspondance."
    )
    sections = [
        Section(title=_("Destinataire"), paragraphs=["\n".join(_recipient_lines(item.citizen))]),
        Section(title=_("Votre courrier"), rows=rows),
        Section(title=_("Suite donnée"), paragraphs=[text]),
    ]
    return render_pdf(
        title=_("Accusé de réception de votre courrier"), subtitle=item.mail_type.name, sections=sections
    )
