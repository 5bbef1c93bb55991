"""Sending an invitation link to the person, by e-mail and/or SMS, from the worker.

The link's token is a credential: whoever holds it books in the person's name. So it never enters the task queue
(a database table that backups, the admin and the worker's logs see): the task gets only the invitation's id, and
the worker draws a **new** token, stores its SHA-256 in place of the previous one (the link made when the agent
created the invitation, never shown when it is sent this way, stops working) and sends that link at once. The plain
token lives only in the worker's memory and in the messages. A second run (a retry) draws another token: only the
last link sent works, which is what the person reads last.

Nothing is sent for an invitation already used, withdrawn or expired. Every message is one ``MessageLog`` row
(channel, kind ``invitation``, result, the reason of a failure, the SMS text with its link replaced by "[lien]",
so the log never holds a usable token). An SMS never names the motif; the e-mail names it unless it is sensitive.
"""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import override
from django_tasks import task

from grc.history import save_tracked

from ..models import Invitation, MessageLog
from ..tokens import invitation_token_new
from . import sms
from .messages import site_base
from .send import NO_SMS_PROVIDER

logger = logging.getLogger(__name__)

KIND = MessageLog.Kind.INVITATION
LINK_PLACEHOLDER = "[lien]"


def invitation_contacts(citizen) -> tuple[str, str]:
    """(e-mail, mobile as E.164) where an invitation to ``citizen`` can go: their portal account's address or
    primary e-mail contact point, their primary mobile contact point; "" for what is not known."""
    email = citizen.user.email if citizen.user_id and citizen.user.email else ""
    points = sorted(citizen.contact_points.all(), key=lambda c: (not c.is_primary, c.pk))
    if not email:
        email = next((c.value for c in points if c.kind == "email"), "")
    mobile = ""
    for point in points:
        if point.kind == "mobile":
            try:
                mobile = sms.normalise_mobile(point.value)
            except ValidationError:
                continue
            break
    return email, mobile


def _texts(invitation: Invitation, link: str) -> tuple[str, str, str]:
    motif = invitation.motif
    with override("fr"):
        until = date_format(timezone.localtime(invitation.expires_at), "j F Y")
    subject = _("Invitation à prendre rendez-vous")
    lines = [_("Bonjour,"), ""]
    if motif.is_sensitive:
        lines.append(_("Le Département vous invite à prendre rendez-vous."))
    else:
        lines.append(_("Le Département vous invite à prendre rendez-vous : « %(motif)s ».") % {"motif": motif.name})
    lines += [
        _("Choisissez le jour et l'heure qui vous conviennent avec ce lien, valable jusqu'au %(date)s :")
        % {"date": until},
        link,
        "",
        _("Ce lien vous est personnel : ne le transmettez pas."),
        "",
        settings.WAGTAIL_SITE_NAME,
    ]
    sms_text = _("Le Département vous invite à prendre rendez-vous avant le %(date)s : %(link)s") % {
        "date": timezone.localtime(invitation.expires_at).strftime("%d/%m"),
        "link": link,
    }
    return subject, "\n".join(lines), sms_text


def _log(invitation: Invitation, **fields) -> MessageLog:
    fields["error"] = (fields.get("error") or "")[:500]
    return MessageLog.objects.create(invitation=invitation, kind=KIND, **fields)


def _rotate(invitation_id: int, now) -> tuple[Invitation | None, str]:
    """Lock the invitation, and when it may still be used, give it a new token (its hash stored): (invitation,
    token), or (None, "") when there is nothing to send."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("citizen__user", "motif")
            .filter(pk=invitation_id)
            .first()
        )
        if invitation is None or invitation.used_at or invitation.followed_up_at or invitation.expires_at <= now:
            return None, ""
        token, invitation.token_hash = invitation_token_new()
        save_tracked(invitation, None, _("Lien d'invitation envoyé à la personne"), update_fields=["token_hash"])
    return invitation, token


def invitation_link(token: str) -> str:
    """The absolute link the person opens (the portal's invitation page)."""
    return site_base() + reverse("rdv:invitation_motifs", kwargs={"token": token})


def _send_email(invitation: Invitation, to: str, subject: str, body: str) -> MessageLog:
    try:
        EmailMessage(subject=subject, body=body, to=[to]).send()
    except (smtplib.SMTPException, OSError) as error:
        logger.warning("invitation %s: e-mail not sent (%s)", invitation.pk, type(error).__name__)
        return _log(
            invitation,
            channel=MessageLog.Channel.EMAIL,
            result=MessageLog.Result.ECHEC,
            error=_("Serveur de courriel : %(error)s") % {"error": type(error).__name__},
        )
    return _log(invitation, channel=MessageLog.Channel.EMAIL, result=MessageLog.Result.ENVOYE)


def _send_sms(invitation: Invitation, to: str, text: str, link: str) -> MessageLog:
    logged = {
        "channel": MessageLog.Channel.SMS,
        "text": text.replace(link, LINK_PLACEHOLDER),
        "segments": sms.count_segments(text).count,
    }
    provider = sms.backend()
    if provider is None:
        return _log(invitation, **logged, result=MessageLog.Result.ECHEC, error=NO_SMS_PROVIDER)
    try:
        sent = provider.send(to=to, text=text)
    except sms.SmsError as error:
        logger.warning("invitation %s: SMS not sent", invitation.pk)
        return _log(invitation, **logged, result=MessageLog.Result.ECHEC, error=str(error))
    return _log(invitation, **logged, result=MessageLog.Result.ENVOYE, provider_id=sent.provider_id[:120])


def invitation_send(*, invitation_id: int, email: bool = True, sms_too: bool = True, now=None) -> list[MessageLog]:
    """Send invitation ``invitation_id``'s link to the person (e-mail when ``email``, SMS when ``sms_too``, each
    where a contact is known), with a new token (module docstring). Returns the log rows written; none when
    the invitation is used, withdrawn or expired. When no channel asked has a contact, one failed row says so."""
    now = now or timezone.now()
    invitation, token = _rotate(invitation_id, now)
    if invitation is None:
        return []
    address, mobile = invitation_contacts(invitation.citizen)
    address, mobile = (address if email else ""), (mobile if sms_too else "")
    if not address and not mobile:
        return [
            _log(
                invitation,
                channel=MessageLog.Channel.EMAIL if email else MessageLog.Channel.SMS,
                result=MessageLog.Result.ECHEC,
                error=_("Aucune adresse électronique ni aucun mobile connus : donnez le lien à la personne."),
            )
        ]
    link = invitation_link(token)
    subject, body, text = _texts(invitation, link)
    written = []
    if address:
        written.append(_send_email(invitation, address, subject, body))
    if mobile:
        written.append(_send_sms(invitation, mobile, text, link))
    return written


@task()
def rdv_invitation_send(invitation_id: int, email: bool = True, sms_too: bool = True) -> int:
    """The worker's side: send the invitation's link (only its id is queued, never a token)."""
    return len(invitation_send(invitation_id=invitation_id, email=email, sms_too=sms_too))
