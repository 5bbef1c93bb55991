"""Decisions with an amount (subsidies): the amount asked, taken from the form, and the amount granted; the
decision letter (PDF, ``grc.pdf``) the applicant downloads from Mon espace.

The amount asked is the answer of the form field whose label starts with « Montant demandé » (« Montant
demandé au Département (en euros) »...: its name starts with ``AMOUNT_FIELD``): the functional admin names
the field so in the Wagtail form builder.
"""

from __future__ import annotations

import decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grc.history import save_tracked
from grc.pdf import Section, render_pdf

from .models import Request
from .services import request_accept

AMOUNT_FIELD = "montant_demande"
MAX_AMOUNT = decimal.Decimal("10000000")


def has_amount_field(name: str) -> bool:
    return name.startswith(AMOUNT_FIELD)


def amount_parse(value) -> decimal.Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = decimal.Decimal(str(value).replace(" ", "").replace(",", ".")).quantize(decimal.Decimal("0.01"))
    except decimal.InvalidOperation:
        raise ValidationError({"amount": [_("Indiquez un montant en euros, par exemple 1500 ou 1500,50.")]}) from None
    if amount < 0 or amount > MAX_AMOUNT:
        raise ValidationError({"amount": [_("Le montant doit être compris entre 0 et 10 000 000 €.")]})
    return amount


@transaction.atomic
def request_amount_record(*, request: Request, actor) -> Request:
    """Copy the amount asked from a draft's answers (``AMOUNT_FIELD``) onto the request, before filing."""
    if request.status != Request.Status.DRAFT:
        raise ValidationError(_("Cette demande a déjà été déposée."), code="transition")
    amount = amount_parse(next((v for k, v in (request.answers or {}).items() if has_amount_field(k)), None))
    if amount != request.amount_requested:
        request.amount_requested = amount
        save_tracked(request, actor, "montant demandé")
    return request


@transaction.atomic
def request_grant(*, request: Request, amount, reason: str = "", actor) -> Request:
    """Accept a request with the amount granted (at most the amount asked, when one was asked)."""
    granted = amount_parse(amount)
    if granted is None:
        raise ValidationError({"amount": [_("Indiquez le montant accordé.")]})
    if request.amount_requested is not None and granted > request.amount_requested:
        raise ValidationError({"amount": [_("Le montant accordé ne peut dépasser le montant demandé.")]})
    request.amount_granted = granted
    return request_accept(request=request, reason=reason, actor=actor)


def euros(amount) -> str:
    return f"{amount:,.2f} €".replace(",", "\u00a0").replace(".", ",")


def decision_letter_pdf(request: Request) -> bytes:
    """The decision letter of a decided request: what was asked, what was decided and why."""
    decided = timezone.localtime(request.decided_at) if request.decided_at else None
    applicant = request.organisation.name if request.organisation_id else request.citizen.display_name
    rows = [
        (_("Numéro de suivi"), request.tracking_code),
        (_("Démarche"), request.procedure_title),
        (_("Demandeur"), applicant),
        (_("Décision"), request.get_status_display()),
        (_("Date de la décision"), f"{decided:%d/%m/%Y}" if decided else "—"),
    ]
    if request.amount_requested is not None:
        rows.append((_("Montant demandé"), euros(request.amount_requested)))
    if request.amount_granted is not None:
        rows.append((_("Montant accordé"), euros(request.amount_granted)))
    sections = [Section(title=_("Votre demande"), rows=rows)]
    if request.decision_reason:
        sections.append(Section(title=_("Motifs"), paragraphs=[request.decision_reason]))
    sections.append(
        Section(
            title=_("Voies de recours"),
            paragraphs=[
                _(
                    "Vous pouvez contester cette décision par un recours gracieux auprès du Président du "
                    "Conseil départemental ou un recours contentieux devant le tribunal administratif de "
                    "Rennes, dans un délai de deux mois à compter de sa réception."
                )
            ],
        )
    )
    return render_pdf(title=_("Notification de décision"), subtitle=request.procedure_title, sections=sections)
