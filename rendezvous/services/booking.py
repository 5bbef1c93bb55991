"""Booking, cancelling and moving appointments: the one path for the portal, invitations, agents and partners.

Two people never hold one slot. Each booking locks the agent's row (``SELECT … FOR NO KEY UPDATE``, in agent id
order so two bookings never deadlock), re-reads the free slots under that lock and only then writes; the
database's exclusion constraint on (agent, time range) of active individual appointments is the last guard.
A booking that loses the race gets the French "Ce créneau vient d'être pris." and changes nothing: its
transaction is rolled back whole (no participant, no timeline entry, no notice).

Every write keeps history (``save_tracked``), writes the person's timeline entry (``rendezvous.timeline``) in
the same transaction, and schedules the notices and webhooks for after the commit (``rendezvous.notifications``).
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grc.history import save_tracked

from .. import events, perms
from ..models import Invitation, Lieu, Motif, Participant, Rendezvous
from ..notifications import rdv_notify
from ..notifications.sms import normalise_mobile
from ..slots import Slot, booking_window, slot_find, slot_plages
from ..timeline import rdv_timeline_record
from .follow_ups import invitation_follow_ups_close, invitation_follow_ups_reopen

__all__ = ["SLOT_TAKEN", "rdv_book", "rdv_cancel", "rdv_move", "slot_taken_error"]

SLOT_TAKEN = "slot_taken"


def slot_taken_error() -> ValidationError:
    return ValidationError(_("Ce créneau vient d'être pris. Choisissez-en un autre."), code=SLOT_TAKEN)


def _check_channel(*, motif: Motif, channel: str, actor, invitation: Invitation | None, citizen) -> None:
    """Who may book ``motif`` through ``channel`` (rules in ``rendezvous.perms``)."""
    if not motif.is_active:
        raise ValidationError(_("Ce motif de rendez-vous n'est plus proposé."), code="motif")
    if channel == Rendezvous.Channel.PORTAIL:
        if not motif.citizens_may_book:
            raise ValidationError(_("Ce motif ne se réserve pas en ligne : contactez votre CDAS."), code="motif")
    elif channel == Rendezvous.Channel.PARTENAIRE:
        if not motif.partners_may_book:
            raise ValidationError(_("Ce motif n'est pas ouvert à la réservation par les partenaires."), code="motif")
    elif channel == Rendezvous.Channel.INVITATION:
        if invitation is None or invitation.motif_id != motif.pk or invitation.citizen_id != citizen.pk:
            raise ValidationError(_("Cette invitation ne permet pas ce rendez-vous."), code="invitation")
    elif channel == Rendezvous.Channel.AGENT:
        if not perms.can_book_for_team(actor, motif.team_id):
            raise ValidationError(_("Vous ne prenez pas de rendez-vous pour ce motif."), code="motif")
    else:
        raise ValidationError(_("Canal de réservation inconnu."), code="channel")


def _unavailable(*, motif: Motif, starts_at, now, enforce_delays: bool, offered: bool) -> ValidationError:
    """The French reason why no free slot of ``motif`` starts at ``starts_at`` (past, delays, taken, not offered);
    ``offered``: whether an opening slot gives that time at all (whatever is taken)."""
    if starts_at <= now:
        return ValidationError(_("Ce créneau est déjà passé. Choisissez un créneau à venir."), code="past")
    if enforce_delays:
        earliest, latest = booking_window(motif=motif, now=now)
        if starts_at < earliest:
            return ValidationError(
                _("Ce créneau est trop proche : ce rendez-vous se prend au moins %(delay)s à l'avance.")
                % {"delay": _delay_text(motif.min_booking_delay_minutes)},
                code="too_soon",
            )
        if starts_at > latest:
            return ValidationError(
                _("Ce créneau est trop lointain : ce rendez-vous se prend au plus %(days)s jours à l'avance.")
                % {"days": motif.max_booking_delay_days},
                code="too_far",
            )
    if offered:
        return slot_taken_error()
    return ValidationError(
        _("Ce créneau n'est pas proposé pour ce motif. Choisissez un créneau dans la liste."), code="not_offered"
    )


def _delay_text(minutes: int) -> str:
    if minutes % (24 * 60) == 0:
        return _("%(n)s jour(s)") % {"n": minutes // (24 * 60)}
    if minutes % 60 == 0:
        return _("%(n)s heure(s)") % {"n": minutes // 60}
    return _("%(n)s minutes") % {"n": minutes}


def _lock_agents(agent_ids) -> dict:
    """Serialise bookings per agent: lock their rows in id order (no deadlock between two bookings). Returns the
    agents by id (the appointment's notices name its agent: no second read)."""
    ids = sorted(set(agent_ids))
    agents = get_user_model().objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk")
    return {agent.pk: agent for agent in agents}


def _locked_slots(*, find: dict, exclude_groups: bool = False, also_lock=()) -> tuple[list[Slot], dict]:
    """The free slots of ``find`` (``slot_find``'s arguments) read under the lock of their agents, and the agents.

    The opening slots are read once; the first, unlocked reading only tells which agents to lock (any agent whose
    opening slot gives that time, taken or not), so a booking reads the busy intervals once, after the lock,
    when every earlier booking of these agents has committed. ``exclude_groups`` leaves out joining a group
    session (a move); ``also_lock``: more agents to lock (the one a moved appointment leaves). Raises the French
    reason when no slot is free."""
    plages = slot_plages(
        motif=find["motif"], starts_at=find["starts_at"], lieu_id=find["lieu_id"], agent_id=find["agent_id"]
    )
    offered = [
        slot
        for slot in slot_find(**find, plages=plages, ignore_busy=True)
        if not (exclude_groups and slot.rendezvous_id is not None)
    ]
    if not offered:
        now, motif, enforce = find["now"], find["motif"], find["enforce_delays"]
        plain = slot_find(**{**find, "enforce_delays": False}, plages=plages, ignore_busy=True) if enforce else []
        raise _unavailable(
            motif=motif, starts_at=find["starts_at"], now=now, enforce_delays=enforce, offered=bool(plain)
        )
    agents = _lock_agents([*also_lock, *(slot.agent_id for slot in offered)])
    free = [
        slot for slot in slot_find(**find, plages=plages) if not (exclude_groups and slot.rendezvous_id is not None)
    ]
    if not free:
        raise slot_taken_error()
    return free, agents


def _contact(*, phone: str, email: str, notify_sms: bool, notify_email: bool) -> dict:
    """The participant's contact for notices: the SMS number as E.164 (French refusals, by field)."""
    phone = (phone or "").strip()
    email = (email or "").strip()
    if phone:
        try:
            phone = normalise_mobile(phone)
        except ValidationError as error:
            raise ValidationError({"phone": error.messages}) from None
    if notify_sms and not phone:
        raise ValidationError({"phone": _("Indiquez un numéro de portable pour recevoir les SMS.")})
    if notify_email and not email:
        raise ValidationError({"email": _("Indiquez une adresse électronique pour recevoir la confirmation.")})
    return {"phone": phone, "email": email, "notify_sms": notify_sms and bool(phone), "notify_email": notify_email}


def _check_no_upcoming(*, citizen, motif: Motif, now, exclude_rendezvous_id=None) -> None:
    """Online, one appointment to come per motif and person: move it or cancel it rather than hoarding slots."""
    upcoming = Participant.objects.filter(
        citizen=citizen,
        status=Participant.Status.A_VENIR,
        rendezvous__motif=motif,
        rendezvous__status=Rendezvous.Status.ACTIVE,
        rendezvous__starts_at__gt=now,
    ).exclude(rendezvous_id=exclude_rendezvous_id)
    if upcoming.exists():
        raise ValidationError(
            _(
                "Vous avez déjà un rendez-vous à venir pour ce motif : "
                "déplacez-le ou annulez-le dans « Mes rendez-vous »."
            ),
            code="already_booked",
        )


def _write_booking(*, slot: Slot, motif: Motif, citizen, actor, channel: str, contact: dict, now) -> Participant:
    """Create the appointment (or join the group session) for ``slot``; IntegrityError when someone was faster."""
    if slot.rendezvous_id is not None:
        rendezvous = Rendezvous.objects.select_for_update().get(pk=slot.rendezvous_id)
    else:
        rendezvous = Rendezvous(
            motif=motif,
            lieu_id=slot.lieu_id if motif.needs_lieu else None,
            agent_id=slot.agent_id,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            capacity=motif.capacity,
            created_by=actor,
            channel=channel,
        )
        save_tracked(rendezvous, actor, _("Rendez-vous pris"))
    participant = Participant(
        rendezvous=rendezvous, citizen=citizen, booked_by=actor, status_changed_at=now, **contact
    )
    save_tracked(participant, actor, _("Rendez-vous pris"))
    participant.rendezvous = rendezvous
    return participant


def _write_first_free(slots: list[Slot], *, write: dict) -> Participant:
    """Write the booking in the first of ``slots`` the database accepts (``write``: ``_write_booking``'s other
    arguments); "Ce créneau vient d'être pris." when none does."""
    citizen = write["citizen"]
    for slot in slots:
        if (
            slot.rendezvous_id
            and Participant.objects.filter(rendezvous_id=slot.rendezvous_id, citizen=citizen).exists()
        ):
            raise ValidationError(_("Cette personne est déjà inscrite à cette séance."), code="already_booked")
        if len(slots) == 1:
            # No other slot to try: no savepoint. Should the database's guard refuse it, the whole booking
            # rolls back with the caller's atomic block and the person is told the slot was just taken.
            try:
                return _write_booking(slot=slot, **write)
            except IntegrityError:
                raise slot_taken_error() from None
        try:
            with transaction.atomic():
                return _write_booking(slot=slot, **write)
        except IntegrityError:
            continue  # the database's guard: someone else holds it (or the person is already in the session)
    raise slot_taken_error()


@transaction.atomic
def rdv_book(
    *,
    motif: Motif,
    starts_at: datetime.datetime,
    citizen,
    actor,
    channel: str,
    lieu: Lieu | None = None,
    agent=None,
    phone: str = "",
    email: str = "",
    notify_sms: bool = False,
    notify_email: bool = True,
    invitation: Invitation | None = None,
    now: datetime.datetime | None = None,
) -> Participant:
    """Book ``motif`` at ``starts_at`` for ``citizen``: returns the participant (``.rendezvous`` is the appointment).

    ``channel`` (``Rendezvous.Channel``) sets the rules: citizens (portal, invitation) and partners are held to the
    motif's booking delays and to one appointment to come per motif; agents book any future slot of their
    teams' motifs. ``lieu`` and ``agent`` narrow the slot (any free agent at that time otherwise). The slot must
    be a free slot computed from the rules (``rendezvous.slots``). Refusals are French ``ValidationError``s:
    unknown or closed motif, past, too soon, too far, not offered, taken ("Ce créneau vient d'être pris."),
    bad phone number. ``actor`` is the account booking (``None`` for an invitation link used without login).
    The invitation used, and any earlier one of the person for the motif waiting for its follow-up, are closed
    (``events.invitation_closed``: ``used``, ``booked``).
    """
    now = now or timezone.now()
    _check_channel(motif=motif, channel=channel, actor=actor, invitation=invitation, citizen=citizen)
    if motif.needs_lieu and lieu is None:
        raise ValidationError({"lieu": _("Choisissez un lieu.")})
    contact = _contact(phone=phone, email=email, notify_sms=notify_sms, notify_email=notify_email)
    enforce = channel != Rendezvous.Channel.AGENT
    if enforce:
        _check_no_upcoming(citizen=citizen, motif=motif, now=now)
    find = {
        "motif": motif,
        "starts_at": starts_at,
        "now": now,
        "enforce_delays": enforce,
        "lieu_id": lieu.pk if lieu is not None else None,
        "agent_id": agent.pk if agent is not None else None,
    }
    slots, agents = _locked_slots(find=find)
    write = {"motif": motif, "citizen": citizen, "actor": actor, "channel": channel, "contact": contact, "now": now}
    participant = _write_first_free(slots, write=write)
    participant.rendezvous.agent = agents[participant.rendezvous.agent_id]
    if lieu is not None and participant.rendezvous.lieu_id == lieu.pk:
        participant.rendezvous.lieu = lieu
    if invitation is not None:
        invitation.used_at = now
        invitation.rendezvous = participant.rendezvous
        save_tracked(invitation, actor, _("Invitation utilisée"), update_fields=["used_at", "rendezvous"])
        events.invitation_closed.send(sender=Invitation, invitation=invitation, actor=actor, why=events.USED)
    # An earlier invitation to this motif left unanswered needs no call-back any more (the agents' tasks).
    invitation_follow_ups_close(citizen=citizen, motif=motif, actor=actor, why=events.BOOKED)
    rendezvous = participant.rendezvous
    rdv_timeline_record(rendezvous=rendezvous, actor=actor, event="created", participants=[participant])
    rdv_notify(
        rendezvous=rendezvous,
        event="created",
        participant=participant if rendezvous.is_group else None,
        participant_count=None if rendezvous.is_group else 1,
    )
    return participant


def _citizen_limit_error(*, rendezvous: Rendezvous, now, verb: str) -> None:
    reason = perms.citizen_may_cancel_reason(rendezvous=rendezvous, now=now)
    if reason == "cancelled":
        raise ValidationError(_("Ce rendez-vous est déjà annulé."), code="cancelled")
    if reason == "past":
        raise ValidationError(_("Ce rendez-vous est passé."), code="past")
    if reason == "too_late":
        hours = rendezvous.motif.cancel_until_hours
        message = (
            _(
                "Il est trop tard pour annuler ce rendez-vous en ligne "
                "(possible jusqu'à %(hours)s h avant). Appelez le service."
            )
            if verb == "cancel"
            else _(
                "Il est trop tard pour déplacer ce rendez-vous en ligne "
                "(possible jusqu'à %(hours)s h avant). Appelez le service."
            )
        )
        raise ValidationError(message % {"hours": hours}, code="too_late")


def _participant_cancel(participant: Participant, *, actor, now, reason: str) -> None:
    participant.status = Participant.Status.ANNULE
    participant.status_changed_at = now
    save_tracked(participant, actor, reason or _("Rendez-vous annulé"), update_fields=["status", "status_changed_at"])


@transaction.atomic
def rdv_cancel(
    *,
    rendezvous: Rendezvous,
    actor,
    reason: str = "",
    participant: Participant | None = None,
    by_citizen: bool = False,
    now: datetime.datetime | None = None,
) -> Rendezvous:
    """Cancel ``rendezvous`` — or, for a group session, only ``participant``'s place in it.

    A citizen (``by_citizen``) cancels their own appointment until the motif's ``cancel_until_hours`` before it
    ("Il est trop tard pour annuler…" after); agents any time. An individual appointment cancelled for its one
    participant is cancelled whole, its slot free again. Writes history, the timeline entry, and schedules the
    notices.
    """
    now = now or timezone.now()
    rendezvous = Rendezvous.objects.select_for_update().select_related("motif").get(pk=rendezvous.pk)
    if by_citizen:
        _citizen_limit_error(rendezvous=rendezvous, now=now, verb="cancel")
    elif rendezvous.status == Rendezvous.Status.ANNULE:
        raise ValidationError(_("Ce rendez-vous est déjà annulé."), code="cancelled")
    if participant is not None and rendezvous.is_group:
        participant = Participant.objects.select_for_update().get(pk=participant.pk, rendezvous=rendezvous)
        if participant.status == Participant.Status.ANNULE:
            raise ValidationError(_("Cette participation est déjà annulée."), code="cancelled")
        _participant_cancel(participant, actor=actor, now=now, reason=reason)
        rdv_timeline_record(rendezvous=rendezvous, actor=actor, event="cancelled", participants=[participant])
        rdv_notify(rendezvous=rendezvous, event="cancelled", participant=participant)
        invitation_follow_ups_reopen(citizen_ids=[participant.citizen_id], motif=rendezvous.motif, actor=actor)
        return rendezvous
    rendezvous.status = Rendezvous.Status.ANNULE
    rendezvous.cancelled_at = now
    rendezvous.cancel_reason = (reason or "")[:255]
    save_tracked(rendezvous, actor, reason or _("Rendez-vous annulé"))
    concerned = list(rendezvous.participants.filter(status=Participant.Status.A_VENIR))
    for participant in concerned:
        _participant_cancel(participant, actor=actor, now=now, reason=reason)
    rdv_timeline_record(rendezvous=rendezvous, actor=actor, event="cancelled")
    rdv_notify(rendezvous=rendezvous, event="cancelled")
    citizen_ids = [p.citizen_id for p in concerned]
    invitation_follow_ups_reopen(citizen_ids=citizen_ids, motif=rendezvous.motif, actor=actor)
    return rendezvous


@transaction.atomic
def rdv_move(
    *,
    rendezvous: Rendezvous,
    starts_at: datetime.datetime,
    actor,
    lieu: Lieu | None = None,
    agent=None,
    by_citizen: bool = False,
    now: datetime.datetime | None = None,
) -> Rendezvous:
    """Move an individual appointment to another free slot of its motif (same lieu unless ``lieu`` is given).

    A citizen moves within the motif's rules: until ``cancel_until_hours`` before the current time, to a slot
    inside the booking delays, any agent of that lieu; an agent moves to any future free slot (``agent`` to
    change who holds it). The appointment keeps its id, participants and history; the old slot is free again.
    Group sessions are not moved (a participant cancels their place and books another session).
    """
    now = now or timezone.now()
    rendezvous = Rendezvous.objects.select_for_update().select_related("motif").get(pk=rendezvous.pk)
    motif = rendezvous.motif
    if by_citizen:
        _citizen_limit_error(rendezvous=rendezvous, now=now, verb="move")
    elif rendezvous.status != Rendezvous.Status.ACTIVE:
        raise ValidationError(_("Ce rendez-vous est annulé : il ne peut pas être déplacé."), code="cancelled")
    if rendezvous.is_group:
        raise ValidationError(
            _("Une séance collective ne se déplace pas : annulez puis réservez une autre séance."), code="group"
        )
    if by_citizen and not motif.citizens_may_book:
        raise ValidationError(
            _("Ce motif ne se réserve pas en ligne : appelez le service pour déplacer ce rendez-vous."), code="motif"
        )
    lieu = lieu or rendezvous.lieu
    lieu_id = lieu.pk if lieu is not None else None
    agent_id = agent.pk if agent is not None else (None if by_citizen else rendezvous.agent_id)
    find = {
        "motif": motif,
        "starts_at": starts_at,
        "now": now,
        "enforce_delays": by_citizen,
        "lieu_id": lieu_id,
        "agent_id": agent_id,
        "exclude_rendezvous_id": rendezvous.pk,
    }
    slots, agents = _locked_slots(find=find, exclude_groups=True, also_lock=[rendezvous.agent_id])
    for slot in slots:
        rendezvous.starts_at, rendezvous.ends_at, rendezvous.agent_id = slot.starts_at, slot.ends_at, slot.agent_id
        rendezvous.lieu_id = slot.lieu_id if motif.needs_lieu else None
        try:
            with transaction.atomic():
                save_tracked(rendezvous, actor, _("Rendez-vous déplacé"))
        except IntegrityError:
            continue
        break
    else:
        raise slot_taken_error()
    rendezvous.agent = agents[rendezvous.agent_id]
    rdv_timeline_record(rendezvous=rendezvous, actor=actor, event="changed")
    rdv_notify(rendezvous=rendezvous, event="changed")
    return rendezvous
