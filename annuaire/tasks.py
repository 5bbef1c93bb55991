"""Background tasks of the annuaire (django-tasks; ``run_scheduler`` enqueues them from ``SCHEDULED_JOBS``)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils.translation import gettext as _
from django_tasks import task

from .models import Representative
from .staleness import stale_reminders_send

logger = logging.getLogger(__name__)


@task()
def annuaire_stale_reminders() -> dict:
    """Daily: remind the editors of records not updated for 12 months (one e-mail each, monthly at most)."""
    summary = stale_reminders_send()
    logger.info("annuaire staleness: %(records)s records, %(emails)s e-mails", summary)
    return summary


@task()
def claim_decision_email(representative_id: int) -> bool:
    """Tell a claimant that the Info sociale team validated or refused their claim.

    The e-mail names the structure (public) and links to the portal page where the decision and its reason are
    shown; it carries nothing else (no reason, no moderator). Nothing is sent for an account gone, inactive or
    erased, or a claim no longer decided (withdrawn meanwhile). False when nothing was sent.
    """
    claim = Representative.objects.select_related("user", "structure").filter(pk=representative_id).first()
    decided = (Representative.Status.VALIDATED, Representative.Status.REFUSED)
    if claim is None or claim.status not in decided or not claim.user.is_active:
        return False
    email = claim.user.email
    if not email or email.endswith(".invalid"):
        return False
    url = getattr(settings, "PORTAL_BASE_URL", "").rstrip("/") + reverse("annuaire:mine")
    context = {"structure": claim.structure.nom, "url": url}
    if claim.status == Representative.Status.VALIDATED:
        subject = _("Annuaire social : vous représentez désormais « %(structure)s »") % context
        body = (
            _(
                "Bonjour,\n\nL'équipe Info sociale en ligne du Département a validé votre demande : vous représentez "
                "désormais « %(structure)s » dans l'annuaire social.\n\nVous pouvez proposer les mises à jour de sa "
                "fiche et de ses services depuis votre espace : %(url)s\n\n"
                "L'équipe Info sociale en ligne du Département"
            )
            % context
        )
    else:
        subject = _("Annuaire social : votre demande pour « %(structure)s »") % context
        body = (
            _(
                "Bonjour,\n\nL'équipe Info sociale en ligne du Département n'a pas pu valider votre demande de "
                "représenter « %(structure)s » dans l'annuaire social.\n\nLe motif est indiqué dans votre espace : "
                "%(url)s\n\nL'équipe Info sociale en ligne du Département"
            )
            % context
        )
    send_mail(subject, body, None, [email])
    return True
