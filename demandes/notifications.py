"""E-mails to the citizen about their request: short French notices, the procedure's name and a link.

Nothing sensitive goes in an e-mail (no answers, no reasons, no message bodies): the citizen reads
those in Mon espace after logging in. Sending happens in a background task (``tasks.request_notice_send``) that
the services schedule on commit, so a rolled-back transition never e-mails anyone and a slow mail
server never slows a page.
"""

from __future__ import annotations

from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from grc.notices import NoticeSwitch, portal_base_url

from .pdf import acknowledgement_pdf

SUBJECTS = {
    "submitted": _("Accusé de réception de votre demande %(code)s"),
    "in_review": _("Votre demande %(code)s est en cours d'instruction"),
    "awaiting_citizen": _("Votre demande %(code)s : des compléments sont nécessaires"),
    "answer_received": _("Votre demande %(code)s : compléments bien reçus"),
    "decided": _("Votre demande %(code)s : une décision a été prise"),
    "message": _("Votre demande %(code)s : nouveau message"),
}

BODIES = {
    "submitted": _(
        "Nous avons bien reçu votre demande « %(procedure)s », enregistrée sous le numéro %(code)s.\n\n"
        "Vous trouverez l'accusé de réception en pièce jointe. Vous pouvez suivre votre demande dans "
        "votre espace personnel :\n%(link)s"
    ),
    "in_review": _(
        "Votre demande « %(procedure)s » (numéro %(code)s) est en cours d'instruction.\n\n"
        "Suivez-la dans votre espace personnel :\n%(link)s"
    ),
    "awaiting_citizen": _(
        "Pour instruire votre demande « %(procedure)s » (numéro %(code)s), nous avons besoin de compléments.\n\n"
        "Connectez-vous à votre espace personnel pour voir ce qui manque et l'envoyer :\n%(link)s"
    ),
    "answer_received": _(
        "Nous avons bien reçu les compléments de votre demande « %(procedure)s » (numéro %(code)s).\n\n"
        "Suivez-la dans votre espace personnel :\n%(link)s"
    ),
    "decided": _(
        "Une décision a été prise sur votre demande « %(procedure)s » (numéro %(code)s).\n\n"
        "Connectez-vous à votre espace personnel pour la consulter :\n%(link)s\n\n"
        "La lettre de décision (PDF) s'y télécharge, après connexion :\n%(letter)s"
    ),
    "message": _(
        "Vous avez reçu un message au sujet de votre demande « %(procedure)s » (numéro %(code)s).\n\n"
        "Connectez-vous à votre espace personnel pour le lire :\n%(link)s"
    ),
}


def recipient(request) -> str:
    """The e-mail address of the request's citizen: the filing account, the citizen's account, or
    their primary e-mail contact point; empty when none is known (mail and phone requests)."""
    if request.account_id and request.account.email:
        return request.account.email
    citizen = request.citizen
    if citizen is None:
        return ""
    if citizen.user_id and citizen.user.email:
        return citizen.user.email
    contact = citizen.contact_points.filter(kind="email").order_by("-is_primary", "pk").first()
    return contact.value if contact else ""


# No notice is scheduled inside ``with suppressed():`` (demo seeding, bulk imports); the services ask
# ``is_suppressed()``.
_switch = NoticeSwitch()
suppressed = _switch.suppressed
is_suppressed = _switch.is_suppressed


def send(request, kind: str) -> bool:
    """Build and send one notice now. Returns False when the citizen has no e-mail address."""
    to = recipient(request)
    if not to:
        return False
    link = portal_base_url() + reverse("espace:request_detail", args=[request.tracking_code])
    values = {"code": request.tracking_code, "procedure": request.procedure_title, "link": link}
    if kind == "decided":
        # A link, not an attachment: the letter states amounts and reasons, read only after logging in.
        values["letter"] = portal_base_url() + reverse("espace:request_decision_letter", args=[request.tracking_code])
    email = EmailMessage(subject=SUBJECTS[kind] % values, body=BODIES[kind] % values, to=[to])
    if kind == "submitted":
        email.attach(f"accuse-reception-{request.tracking_code}.pdf", acknowledgement_pdf(request), "application/pdf")
    email.send()
    return True
