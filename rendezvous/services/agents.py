"""Agents' writes on appointments: participants' outcomes and group attendance, absences (typed or imported
from an ICS file), invitation links and their follow-up, and the admin writes of lieux, motifs and plages.

Every write keeps its history (simple_history with the acting user and a reason) and, when it concerns a
person, writes the timeline entry in the same transaction (``rendezvous.timeline``). A refusal is a
``ValidationError`` in French naming the field, raised before anything is written. Permission rules are in
``rendezvous.agent_perms``; callers check them (the back office, commands), these functions do not repeat them.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grc.history import save_tracked
from grc.scheduling import enqueue_on_commit

from .. import events
from ..ics_import import busy_periods
from ..models import Absence, Invitation, Lieu, Motif, Participant, PlageOuverture, Rendezvous
from ..notifications import is_suppressed as notices_suppressed
from ..notifications.invitations import rdv_invitation_send
from ..timeline import invitation_timeline_record, rdv_timeline_record
from ..tokens import invitation_token_new
from .follow_ups import invitation_follow_ups_close

logger = logging.getLogger(__name__)

P = Participant.Status
# What an agent may record for a participant; "annulé" is a cancellation (``rendezvous.services.booking``).
OUTCOME_STATUSES = (P.A_VENIR, P.VU, P.EXCUSE, P.ABSENT)
# Accueil numérique social: how much digital help the person was given (asked when marking "vu"). The same
# graded scale and values as the help sessions of the accueil app (``accueil.models.HelpSession.Level``, a
# sibling app this one may not import), so both are counted alike.
DIGITAL_HELP_LEVELS = (
    ("coup_de_pouce", gettext_lazy("Coup de pouce")),
    ("accompagnement", gettext_lazy("Accompagnement")),
    ("faire_avec", gettext_lazy("Faire avec")),
    ("substitution", gettext_lazy("Substitution (faire pour)")),
)
INVITATION_DAYS_DEFAULT = 14
INVITATION_DAYS_MAX = 60


def motif_asks_digital_help(*, motif: Motif) -> bool:
    """Whether marking "vu" asks the level of digital help: the motifs of the accueil numérique social
    (category or name mentioning "numérique")."""
    text = slugify(f"{motif.category} {motif.name}")
    return "numerique" in text


# --- outcomes and attendance --------------------------------------------------------------------------------


def _check_outcome(participant: Participant, status: str, outcome_note: str, digital_help_level: str, now) -> None:
    rendezvous = participant.rendezvous
    if status not in OUTCOME_STATUSES:
        raise ValidationError({"status": _("Choisissez un statut parmi : à venir, vu, excusé, absent.")})
    if rendezvous.status == Rendezvous.Status.ANNULE or participant.status == P.ANNULE:
        raise ValidationError(_("Ce rendez-vous est annulé : son suivi ne peut plus être modifié."))
    if status in (P.VU, P.ABSENT) and rendezvous.starts_at > now:
        raise ValidationError(
            {"status": _("Le rendez-vous n'a pas encore commencé : il ne peut pas être marqué vu ou absent.")}
        )
    if status == P.VU and not outcome_note.strip():
        raise ValidationError({"outcome_note": _("Indiquez ce qui a été fait pendant le rendez-vous.")})
    if digital_help_level and digital_help_level not in dict(DIGITAL_HELP_LEVELS):
        raise ValidationError({"digital_help_level": _("Choisissez un niveau d'aide numérique de la liste.")})


def _apply_outcome(participant, status, outcome_note, digital_help_level, actor, now) -> bool:
    """Set the participant's outcome; True when something changed (then history and timeline are written)."""
    note = outcome_note.strip() if status == P.VU else ""
    level = digital_help_level if status == P.VU else ""
    if (participant.status, participant.outcome_note, participant.digital_help_level) == (status, note, level):
        return False
    status_changed = participant.status != status
    participant.status = status
    participant.outcome_note = note
    participant.digital_help_level = level
    if status_changed:
        participant.status_changed_at = now
    save_tracked(participant, actor, reason=_("Suivi du rendez-vous : %(status)s") % {"status": status})
    if status_changed and status != P.A_VENIR:
        rdv_timeline_record(
            rendezvous=participant.rendezvous, actor=actor, event="outcome", participants=[participant]
        )
    return True


@transaction.atomic
def participant_outcome_set(
    *, participant: Participant, status: str, actor, outcome_note: str = "", digital_help_level: str = "", now=None
) -> Participant:
    """Record what happened to one participant: ``vu`` (with what was done, required), ``absent``, ``excuse``,
    or back to ``a_venir`` (a mistake corrected).

    Refused: a cancelled appointment or participant; ``vu`` or ``absent`` before the appointment starts; ``vu``
    without ``outcome_note``; an unknown digital-help level, or none on ``vu`` for a motif of the accueil
    numérique social (``motif_asks_digital_help``). Writes the participant's history and, when the
    status changes, a timeline entry with the motif's visibility.
    """
    now = now or timezone.now()
    participant = (
        Participant.objects.select_for_update().select_related("rendezvous__motif__team").get(pk=participant.pk)
    )
    _check_outcome(participant, status, outcome_note, digital_help_level, now)
    # The accueil numérique counts the help given per person seen: a "vu" without its level would be a hole.
    # (A group session's attendance does not ask it: one level for a whole workshop would say nothing.)
    if status == P.VU and not digital_help_level and motif_asks_digital_help(motif=participant.rendezvous.motif):
        raise ValidationError({"digital_help_level": _("Indiquez le niveau d'aide numérique apportée.")})
    _apply_outcome(participant, status, outcome_note, digital_help_level, actor, now)
    return participant


@transaction.atomic
def attendance_record(
    *, rendezvous: Rendezvous, statuses: dict[int, str], actor, outcome_note: str = "", now=None
) -> int:
    """Record the attendance of a group session at once: ``statuses`` maps participant ids to a status.

    ``outcome_note`` (what was done during the session) is required when anyone is marked ``vu`` and is kept
    on each person seen. Every status is checked before anything is written: one refusal and nothing changes.
    Participants not in ``statuses`` and cancelled ones are left alone. Returns how many changed.
    """
    now = now or timezone.now()
    participants = list(
        Participant.objects.select_for_update()
        .select_related("rendezvous__motif__team")
        .filter(rendezvous=rendezvous, pk__in=list(statuses))
        .exclude(status=P.ANNULE)
        .order_by("pk")
    )
    unknown = set(statuses) - {p.pk for p in participants}
    if unknown:
        raise ValidationError(_("Un participant de la liste n'est plus inscrit : rechargez la page."))
    for participant in participants:
        _check_outcome(participant, statuses[participant.pk], outcome_note, "", now)
    return sum(_apply_outcome(p, statuses[p.pk], outcome_note, "", actor, now) for p in participants)


# --- absences -----------------------------------------------------------------------------------------------


def _overlapping_appointments(agent, starts_at, ends_at) -> int:
    return Rendezvous.objects.filter(
        agent=agent, status=Rendezvous.Status.ACTIVE, starts_at__lt=ends_at, ends_at__gt=starts_at
    ).count()


@transaction.atomic
def absence_create(
    *, agent, starts_at: datetime.datetime, ends_at: datetime.datetime, actor, title: str = ""
) -> Absence:
    """An absence of ``agent`` (leave, training): no free slot is offered during it from now on.

    Refused: an end not after the start, an absence over a year. Appointments already booked in it are not
    cancelled (the agent decides): ``absence.overlapping`` says how many there are.
    """
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("La fin de l'absence doit être après son début.")})
    if ends_at - starts_at > datetime.timedelta(days=366):
        raise ValidationError({"ends_at": _("Une absence dure au plus un an : saisissez-la en plusieurs fois.")})
    absence = Absence(agent=agent, starts_at=starts_at, ends_at=ends_at, title=title.strip()[:200])
    save_tracked(absence, actor, reason=_("Absence saisie"))
    absence.overlapping = _overlapping_appointments(agent, starts_at, ends_at)
    return absence


@transaction.atomic
def absence_delete(*, absence: Absence, actor) -> None:
    """Remove an absence (its history keeps who removed it); its time is offered again."""
    absence._history_user = actor
    absence._change_reason = _("Absence supprimée")
    absence.delete()


@dataclass(frozen=True)
class IcsImportResult:
    created: int
    updated: int
    removed: int
    unchanged: int
    overlapping: int


@transaction.atomic
def absences_import_ics(*, agent, upload, actor, now=None) -> IcsImportResult:
    """Bring ``agent``'s absences in line with their calendar export (``upload``, an ICS file).

    The file is read by ``rendezvous.ics_import.busy_periods`` (refused with a French ``UploadRefused`` when it
    is not a calendar read safely: nothing is written then). Each busy event from today on becomes an absence
    keyed by its UID and start; importing the same file again changes nothing; an imported absence from today
    on that the new file no longer has is removed (the event was deleted from the calendar). Absences typed
    in by hand are never touched.
    """
    now = now or timezone.now()
    periods = busy_periods(upload, now=now)
    day_start = datetime.datetime.combine(
        timezone.localtime(now).date(), datetime.time.min, tzinfo=timezone.get_current_timezone()
    )
    existing = {
        a.ics_uid: a
        for a in Absence.objects.select_for_update().filter(
            agent=agent, source=Absence.Source.ICS, ends_at__gt=day_start
        )
    }
    created = updated = unchanged = overlapping = 0
    for period in periods:
        absence = existing.pop(period.uid, None)
        if absence is None:
            absence = Absence(agent=agent, source=Absence.Source.ICS, ics_uid=period.uid)
            created += 1
        elif (absence.starts_at, absence.ends_at, absence.title) == (period.starts_at, period.ends_at, period.title):
            unchanged += 1
            continue
        else:
            updated += 1
        absence.starts_at, absence.ends_at, absence.title = period.starts_at, period.ends_at, period.title
        save_tracked(absence, actor, reason=_("Import de calendrier"))
        overlapping += _overlapping_appointments(agent, period.starts_at, period.ends_at)
    for absence in existing.values():
        absence_delete(absence=absence, actor=actor)
    return IcsImportResult(
        created=created, updated=updated, removed=len(existing), unchanged=unchanged, overlapping=overlapping
    )


# --- invitations --------------------------------------------------------------------------------------------


@transaction.atomic
def invitation_create(
    *,
    citizen,
    motif: Motif,
    actor,
    lieu: Lieu | None = None,
    valid_days: int = INVITATION_DAYS_DEFAULT,
    send_email: bool = False,
    send_sms: bool = False,
    now=None,
) -> tuple[Invitation, str]:
    """An invitation for ``citizen`` to book ``motif`` (at ``lieu`` if given) themselves, valid ``valid_days``.

    Returns (invitation, token): the token goes into the link given to the citizen and is stored only hashed.
    With ``send_email`` / ``send_sms`` the worker sends the link to the person after the commit
    (``rendezvous.notifications.invitations``): it gets the invitation's id only and draws a new token, so the
    token returned here no longer works and must not be shown.
    Refused: an inactive motif, a lieu for a motif not held on site, an inactive lieu, a validity outside
    1–60 days. Writes a timeline entry with the motif's visibility. When nobody books before it expires,
    ``invitations_follow_up`` tells the agent. An earlier invitation of the person for the motif that is waiting
    for its follow-up is closed (``events.invitation_closed``, ``replaced``): this one is its follow-up.
    """
    now = now or timezone.now()
    if not motif.is_active:
        raise ValidationError({"motif": _("Ce motif n'est plus proposé.")})
    if lieu is not None and (not motif.needs_lieu or not lieu.is_active):
        raise ValidationError({"lieu": _("Ce lieu ne convient pas à ce motif.")})
    if not 1 <= int(valid_days) <= INVITATION_DAYS_MAX:
        raise ValidationError(
            {"valid_days": _("La durée de validité va de 1 à %(max)s jours.") % {"max": INVITATION_DAYS_MAX}}
        )
    token, token_hash = invitation_token_new()
    invitation = Invitation(
        token_hash=token_hash,
        citizen=citizen,
        motif=motif,
        lieu=lieu,
        created_by=actor,
        expires_at=now + datetime.timedelta(days=int(valid_days)),
    )
    save_tracked(invitation, actor, reason=_("Invitation à prendre rendez-vous"))
    # A new link for the same motif is the follow-up of an earlier one left unanswered.
    invitation_follow_ups_close(citizen=citizen, motif=motif, actor=actor, why=events.REPLACED, keep=invitation)
    invitation_timeline_record(
        invitation=invitation,
        actor=actor,
        title=_("Invitation à prendre rendez-vous envoyée (valable jusqu'au %(date)s)")
        % {"date": formats.date_format(timezone.localtime(invitation.expires_at), "d/m/Y")},
    )
    if (send_email or send_sms) and not notices_suppressed():
        enqueue_on_commit(
            rdv_invitation_send,
            invitation.pk,
            send_email,
            send_sms,
            what=f"invitation {invitation.pk}",
            on_failure=_invitation_not_queued,
        )
    return invitation, token


def _invitation_not_queued() -> None:
    """The queue refused the sending: the invitations page shows no message sent, the agent gives the link."""


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor, now=None) -> Invitation:
    """End an unused invitation now (its link stops working); no follow-up is made for it, and one already made
    is closed (``events.invitation_closed``, ``revoked``: the agents' task on it is done)."""
    now = now or timezone.now()
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.used_at is not None:
        raise ValidationError(_("Cette invitation a déjà servi à prendre un rendez-vous."))
    invitation.expires_at = min(invitation.expires_at, now)
    # Followed up at its end: no follow-up job for it, and the list tells it from one left unanswered.
    invitation.followed_up_at = invitation.followed_up_at or invitation.expires_at
    save_tracked(invitation, actor, reason=_("Invitation retirée"))
    events.invitation_closed.send(sender=Invitation, invitation=invitation, actor=actor, why=events.REVOKED)
    return invitation


@transaction.atomic
def invitation_resend(*, invitation: Invitation, actor, now=None) -> Invitation:
    """Send an unused, current invitation's link to the person again, by e-mail and SMS where a contact is known.

    The worker draws a new token (``rendezvous.notifications.invitations``): the link sent before stops working,
    only the last one sent does. Only the invitation's id is queued. Refused in French: an invitation already
    used, withdrawn or expired (the agent makes a new one). History: "Invitation renvoyée"; each message is then
    logged by the worker (``MessageLog``, kind ``invitation``). Sends ``events.invitation_closed`` (``resent``)."""
    now = now or timezone.now()
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.used_at is not None:
        raise ValidationError(_("Cette invitation a déjà servi à prendre un rendez-vous."))
    if invitation.followed_up_at is not None or invitation.expires_at <= now:
        raise ValidationError(_("Cette invitation a expiré ou a été retirée : faites-en une nouvelle."))
    save_tracked(invitation, actor, reason=_("Invitation renvoyée"))
    events.invitation_closed.send(sender=Invitation, invitation=invitation, actor=actor, why=events.RESENT)
    if not notices_suppressed():
        enqueue_on_commit(
            rdv_invitation_send,
            invitation.pk,
            True,
            True,
            what=f"invitation {invitation.pk}",
            on_failure=_invitation_not_queued,
        )
    return invitation


def _follow_up_mail(invitation: Invitation) -> None:
    """Tell the agent by e-mail, with no name of the person (the back office shows who, after login)."""
    agent = invitation.created_by
    if not agent.email:
        return
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    body = _(
        "Une invitation à prendre rendez-vous que vous avez envoyée le %(sent)s (motif « %(motif)s ») a expiré "
        "sans qu'aucun rendez-vous soit pris.\n\nPour relancer la personne ou prendre le rendez-vous pour elle :\n"
        "%(link)s"
    ) % {
        "sent": formats.date_format(timezone.localtime(invitation.created_at), "d/m/Y"),
        "motif": invitation.motif.name if not invitation.motif.is_sensitive else _("confidentiel"),
        "link": base + reverse("backoffice:rdv_invitations"),
    }
    try:
        send_mail(_("Invitation sans rendez-vous : une relance est à faire"), body, None, [agent.email])
    except Exception as error:  # noqa: BLE001 — the follow-up stays recorded and on the invitations page
        logger.error("invitation %s: follow-up e-mail not sent (%s)", invitation.pk, type(error).__name__)


def invitations_follow_up(*, now=None, progress: Callable[[int, int], None] | None = None) -> int:
    """Create the follow-up of every invitation that expired without a booking (the scheduled job), unless the
    person was booked on the motif or sent a newer invitation for it meanwhile (nothing to follow up).

    For each: ``followed_up_at`` set, a timeline entry for the motif's team ("sans rendez-vous, à relancer"),
    ``events.invitation_expired`` sent in the same transaction (travail makes the agent's task from it), and an
    e-mail to the agent who sent it after the commit. One short transaction per invitation, rows
    locked with SKIP LOCKED: two runs at once never follow one up twice. ``progress(done, total)`` is called
    after each.
    Returns how many were followed up.
    """
    now = now or timezone.now()
    # Not one the person answered another way: booked the motif, or sent a newer invitation for it already.
    due = Invitation.objects.with_what_followed().filter(
        expires_at__lte=now,
        used_at__isnull=True,
        rendezvous__isnull=True,
        followed_up_at__isnull=True,
        reinvited_at__isnull=True,
        booked_since__isnull=True,
    )
    done = 0
    ids = list(due.order_by("expires_at", "pk").values_list("pk", flat=True))
    for pk in ids:
        with transaction.atomic():
            invitation = (
                due.select_for_update(skip_locked=True, of=("self",))
                .select_related("motif__team", "created_by")
                .filter(pk=pk)
                .first()
            )
            if invitation is None:
                continue
            invitation.followed_up_at = now
            save_tracked(invitation, None, reason=_("Relance : invitation expirée sans rendez-vous"))
            invitation_timeline_record(
                invitation=invitation,
                title=_("Invitation expirée sans rendez-vous : relance à faire par l'équipe"),
            )
            # In this transaction: the agents' task (travail) is made with the follow-up or not at all.
            events.invitation_expired.send(sender=Invitation, invitation=invitation)
            transaction.on_commit(lambda invitation=invitation: _follow_up_mail(invitation))
        done += 1
        if progress is not None:
            progress(done, len(ids))
    return done


# --- lieux, motifs, plages (functional admin) ---------------------------------------------------------------


def _full_clean(instance) -> None:
    instance.full_clean(validate_unique=True, validate_constraints=True)


@transaction.atomic
def lieu_save(*, lieu: Lieu, actor, reason: str = "") -> Lieu:
    """Create or change a lieu after validation (opening hours in OpenStreetMap format, dates in order)."""
    _full_clean(lieu)
    return save_tracked(lieu, actor, reason=reason or _("Lieu enregistré"))


@transaction.atomic
def motif_save(*, motif: Motif, actor, reason: str = "") -> Motif:
    """Create or change a motif after validation (duration, delays, capacity, unique name in its team)."""
    _full_clean(motif)
    if motif.min_booking_delay_minutes >= motif.max_booking_delay_days * 24 * 60:
        raise ValidationError(
            {"min_booking_delay_minutes": _("Le délai minimum doit être plus court que le délai maximum.")}
        )
    return save_tracked(motif, actor, reason=reason or _("Motif enregistré"))


@transaction.atomic
def plage_save(*, plage: PlageOuverture, motifs, actor, reason: str = "") -> PlageOuverture:
    """Create or change a weekly opening slot and its motifs after validation.

    Refused: no motif; a motif held on site at a slot without a lieu that is active; times or days in the
    wrong order (the model's rules).
    """
    motifs = list(motifs)
    if not motifs:
        raise ValidationError({"motifs": _("Choisissez au moins un motif.")})
    _full_clean(plage)
    if not plage.lieu.is_active:
        raise ValidationError({"lieu": _("Ce lieu n'est plus actif.")})
    if any(not m.is_active for m in motifs):
        raise ValidationError({"motifs": _("Un des motifs choisis n'est plus proposé.")})
    save_tracked(plage, actor, reason=reason or _("Plage d'ouverture enregistrée"))
    plage.motifs.set(motifs)
    return plage
