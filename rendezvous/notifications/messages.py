"""What the citizen receives about an appointment: e-mail subjects and bodies, SMS texts, recipients.

Rules (docs/appointments.md, "Notifications"):
- a motif of visibility "non notifié" sends nothing to the citizen;
- a sensitive motif ("masqué": ASE, PMI…) is never named, nor are its instructions (they could name it):
  the e-mail says "rendez-vous" and points to Mon espace, where the citizen reads them after logging in;
- an SMS never names the motif, whatever its visibility (a phone screen is read by others);
- no other person's name, no agent's name, in any message.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, override

from grc.notices import portal_base_url

from .ics import place_line

# Message kinds (MessageLog.Kind values) for each event rdv_notify receives.
KIND_OF_EVENT = {"created": "confirmation", "changed": "modification", "cancelled": "annulation", "reminder": "rappel"}


def site_base() -> str:
    """The absolute base of links sent out (``grc.notices.portal_base_url``)."""
    return portal_base_url()


def portal_link() -> str:
    """Mon espace's appointments page, as an absolute URL."""
    return site_base() + reverse("espace:appointments")


def when(rendezvous) -> dict[str, str]:
    """The local date and time as a French reader writes them: "mardi 12 janvier 2027", "14h30", "12/01"."""
    local = timezone.localtime(rendezvous.starts_at)
    with override("fr"):
        return {
            "date": date_format(local, "l j F Y"),
            "short_date": local.strftime("%d/%m"),
            "time": f"{local:%H}h{local:%M}",
        }


def names_motif(rendezvous) -> bool:
    """Whether an e-mail may name the motif: not when it is sensitive (visibility "masqué")."""
    return not rendezvous.motif.is_sensitive


def summary(rendezvous) -> str:
    """The calendar title: "Rendez-vous — <motif>", or just "Rendez-vous" for a sensitive motif."""
    if names_motif(rendezvous):
        return _("Rendez-vous — %(motif)s") % {"motif": rendezvous.motif.name}
    return _("Rendez-vous")


SUBJECTS = {
    "confirmation": gettext_noop("Votre rendez-vous du %(date)s à %(time)s est confirmé"),
    "modification": gettext_noop("Votre rendez-vous a été modifié : %(date)s à %(time)s"),
    "annulation": gettext_noop("Votre rendez-vous du %(date)s à %(time)s est annulé"),
    "rappel": gettext_noop("Rappel : votre rendez-vous du %(date)s à %(time)s"),
}
LEADS = {
    "confirmation": gettext_noop("Votre rendez-vous est confirmé."),
    "modification": gettext_noop("Votre rendez-vous a été modifié. Voici le nouvel horaire."),
    "annulation": gettext_noop("Votre rendez-vous est annulé."),
    "rappel": gettext_noop("Nous vous rappelons votre rendez-vous."),
}
SMS_TEXTS = {
    "confirmation": gettext_noop(
        "Rendez-vous confirmé le %(short_date)s à %(time)s, %(place)s. Détails, annulation : %(link)s"
    ),
    "modification": gettext_noop(
        "Votre rendez-vous est déplacé au %(short_date)s à %(time)s, %(place)s. Détails : %(link)s"
    ),
    "annulation": gettext_noop("Votre rendez-vous du %(short_date)s à %(time)s est annulé. Détails : %(link)s"),
    "rappel": gettext_noop("Rappel : rendez-vous le %(short_date)s à %(time)s, %(place)s. Empêché ? %(link)s"),
}


def email_subject(rendezvous, kind: str) -> str:
    return _(SUBJECTS[kind]) % when(rendezvous)


def email_body(rendezvous, kind: str) -> str:
    """The plain-text e-mail: what, when, where, what to bring (non-sensitive motifs), how to cancel."""
    motif, lieu, moment = rendezvous.motif, rendezvous.lieu, when(rendezvous)
    lines = [_("Bonjour,"), "", _(LEADS[kind]), ""]
    lines.append(_("Date : %(date)s à %(time)s") % moment)
    lines.append(_("Durée : %(minutes)s minutes") % {"minutes": motif.duration_minutes})
    if names_motif(rendezvous):
        lines.append(_("Objet : %(motif)s") % {"motif": motif.name})
    lines.append(_("Lieu : %(place)s") % {"place": place_line(rendezvous)})
    if lieu is not None and lieu.accessibility:
        lines.append(_("Accessibilité : %(text)s") % {"text": lieu.accessibility})
    if lieu is not None and lieu.phone:
        lines.append(_("Téléphone : %(phone)s") % {"phone": lieu.phone})
    if kind != "annulation" and names_motif(rendezvous) and motif.instructions_after:
        lines += ["", motif.instructions_after]
    lines.append("")
    if kind == "annulation":
        lines.append(_("Vous pouvez prendre un nouveau rendez-vous depuis votre espace personnel :"))
    else:
        lines.append(
            _("Consultez, déplacez ou annulez ce rendez-vous (jusqu'à %(hours)s heures avant) dans votre espace :")
            % {"hours": motif.cancel_until_hours}
        )
    lines += [portal_link(), "", settings.WAGTAIL_SITE_NAME]
    return "\n".join(lines)


def sms_text(rendezvous, kind: str) -> str:
    """The SMS: when and where, and the link. Never the motif."""
    values = {**when(rendezvous), "place": place_line(rendezvous, with_address=False), "link": portal_link()}
    return _(SMS_TEXTS[kind]) % values


def email_recipient(participant) -> str:
    """Where the participant's e-mails go: the address given at booking, else their portal account's, else
    their primary e-mail contact point; empty when none is known."""
    if participant.email:
        return participant.email
    citizen = participant.citizen
    if citizen.user_id and citizen.user.email:
        return citizen.user.email
    contact = citizen.contact_points.filter(kind="email").order_by("-is_primary", "pk").first()
    return contact.value if contact else ""
