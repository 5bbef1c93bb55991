"""E-mails of the GDPR register sent by the worker (the queue holds only ids)."""

from __future__ import annotations

import logging
import smtplib

from django.core.mail import send_mail
from django.utils.translation import gettext as _

from .models import GdprRequest

logger = logging.getLogger(__name__)


def acknowledgement_send(*, gdpr_request_id: int) -> bool:
    """E-mail the acknowledgement of a rights request filed on the portal (``privacy.tasks.
    gdpr_acknowledgement_send``): to its portal account's address, read now (the queue holds only the id).
    French; the request's ``details`` never go by e-mail. A failure is logged without the address: the
    request is recorded all the same. False when nothing was sent."""
    entry = GdprRequest.objects.select_related("portal_account").filter(pk=gdpr_request_id).first()
    to = entry.portal_account.email if entry is not None and entry.portal_account is not None else ""
    if not to or to.endswith(".invalid"):
        return False
    reference, kind = entry.reference, str(entry.get_kind_display())
    received_on, deadline = entry.received_on, entry.deadline
    subject = _("Votre demande %(reference)s a bien été reçue") % {"reference": reference}
    body = _(
        "Bonjour,\n\n"
        "Votre demande d'exercice de vos droits sur vos données personnelles a bien été reçue le %(received)s "
        "et enregistrée sous la référence %(reference)s.\n\n"
        "Droit exercé : %(kind)s\n\n"
        "Le délégué à la protection des données du Département vous répondra au plus tard le %(deadline)s "
        "(un mois à compter de la réception). Ce délai peut être prolongé de deux mois lorsque la demande est "
        "complexe : vous en seriez alors informé(e), avec le motif, avant cette date.\n\n"
        "Vous pouvez suivre votre demande dans votre espace, rubrique « Mes données ».\n"
    ) % {
        "received": received_on.strftime("%d/%m/%Y"),
        "reference": reference,
        "kind": kind,
        "deadline": deadline.strftime("%d/%m/%Y"),
    }
    try:
        send_mail(subject, body, None, [to], fail_silently=False)
    except (OSError, smtplib.SMTPException):
        logger.warning("privacy: acknowledgement of %s not sent", reference)
        return False
    return True
