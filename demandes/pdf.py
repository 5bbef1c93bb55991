"""PDF documents of requests: the acknowledgement of receipt (accusé de réception)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from grc.pdf import Section, render_pdf


def acknowledgement_pdf(request) -> bytes:
    """The acknowledgement of a filed request: code, procedure, date, team, due date, channel."""
    submitted = timezone.localtime(request.submitted_at) if request.submitted_at else None
    rows = [
        (_("Numéro de suivi"), request.tracking_code),
        (_("Démarche"), request.procedure_title),
        (_("Déposée le"), f"{submitted:%d/%m/%Y à %H:%M}" if submitted else "—"),
        (_("Canal"), request.get_channel_display()),
        (_("Service destinataire"), str(request.team) if request.team_id else _("À déterminer")),
    ]
    if request.due_date:
        rows.append((_("Réponse attendue au plus tard le"), f"{request.due_date:%d/%m/%Y}"))
    if request.citizen_id:
        rows.insert(0, (_("Demandeur"), request.citizen.display_name))
    page = getattr(request.procedure, "specific", None) if request.procedure_id else None
    extra = (getattr(page, "acknowledgement_text", "") or "").strip()
    sections = [
        Section(title=_("Votre demande"), rows=rows),
        *([Section(title=_("Informations sur la démarche"), paragraphs=[extra])] if extra else []),
        Section(
            title=_("Et maintenant ?"),
            paragraphs=[
                _(
                    "Votre demande va être examinée par le service compétent. Vous serez informé(e) par "
                    "courriel de chaque étape et pouvez la suivre dans votre espace personnel avec le "
                    "numéro de suivi ci-dessus."
                )
            ],
        ),
    ]
    return render_pdf(title=_("Accusé de réception"), subtitle=request.procedure_title, sections=sections)
