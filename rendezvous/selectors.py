"""Reads of appointments. Selectors of personal data take the user, filter with ``perms`` and write the access log.

The reference data a citizen browses before booking (motifs open online, lieux, free slots) is the
organisation's, not personal: read without an access-log row. Everything about a person — their
appointments, an invitation made for them — is read here with the user and logged; what the user may not
see raises ``Http404``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from grc.audit.models import AccessLog
from grc.audit.services import access_log_write
from grc.models import Address, Citizen, Commune
from grc.selectors.territory import commune_for_postcode, commune_get, distance_km

from . import perms
from .models import Invitation, Lieu, Motif, Participant, PlageOuverture, Rendezvous
from .slots import Slot, next_free_by_lieu
from .tokens import invitation_token_hash


def _open_plages(**filters):
    """Active opening slots of an active agent at an active lieu (for ``Exists`` subqueries)."""
    return PlageOuverture.objects.filter(is_active=True, lieu__is_active=True, agent__is_active=True, **filters)


# --- reference data (public: no access log) -----------------------------------------------------------------


def motifs_bookable_online() -> QuerySet[Motif]:
    """Motifs a citizen may book online now: active, open to citizens, with at least one active opening slot."""
    return (
        Motif.objects.filter(
            is_active=True, bookable_by__in=[Motif.BookableBy.CITOYENS, Motif.BookableBy.TOUS], team__is_active=True
        )
        .filter(Exists(_open_plages(motifs=OuterRef("pk"))))
        .select_related("team")
        .order_by("category", "name")
    )


def motif_bookable_get(*, pk) -> Motif | None:
    """One motif open online by id, or ``None`` (unknown, closed, or not open to citizens)."""
    return motifs_bookable_online().filter(pk=pk).first()


@dataclass(frozen=True)
class LieuChoice:
    lieu: Lieu
    distance_km: float | None
    next_slot: Slot | None


def lieu_origin(lieu: Lieu):
    """Where ``lieu`` is, for distances: its own coordinates, else its commune's centre (``None``: unknown)."""
    if lieu.latitude is not None and lieu.longitude is not None:
        return (lieu.latitude, lieu.longitude)
    return lieu.commune if lieu.commune_id else None


def lieux_for_motif(*, motif: Motif, origin=None, now: datetime.datetime | None = None) -> list[LieuChoice]:
    """The lieux where ``motif`` can be booked online, nearest to ``origin`` first (a commune or a pair; by
    name when unknown), each with its next free slot; lieux without any free slot in the window come last.

    The next slots of every lieu are computed together (``rendezvous.slots.next_free_by_lieu``).
    """
    lieux = list(
        Lieu.objects.select_related("commune")
        .filter(is_active=True)
        .filter(Exists(_open_plages(lieu=OuterRef("pk"), motifs=motif)))
        .order_by("name")
    )
    first, _window_end = next_free_by_lieu(motif=motif, now=now, lieu_ids=[lieu.pk for lieu in lieux])
    choices = [
        LieuChoice(
            lieu=lieu,
            distance_km=distance_km(origin, lieu_origin(lieu)) if origin is not None else None,
            next_slot=first.get(lieu.pk),
        )
        for lieu in lieux
    ]
    far = float("inf")
    choices.sort(key=lambda c: (c.next_slot is None, c.distance_km if c.distance_km is not None else far, c.lieu.name))
    return choices


def lieu_for_motif_get(*, motif: Motif, pk) -> Lieu | None:
    """A lieu where ``motif`` has an active opening slot, by id, or ``None``."""
    return (
        Lieu.objects.filter(pk=pk, is_active=True)
        .filter(Exists(_open_plages(lieu=OuterRef("pk"), motifs=motif)))
        .first()
    )


def slots_by_day(slots: list[Slot]) -> list[tuple[datetime.date, list[Slot]]]:
    """Free slots grouped by local day, one slot per start time (whoever the agent: the booking picks one)."""
    days: dict[datetime.date, dict[datetime.datetime, Slot]] = {}
    for slot in slots:
        day = timezone.localtime(slot.starts_at).date()
        days.setdefault(day, {}).setdefault(slot.starts_at, slot)
    return [(day, list(times.values())) for day, times in sorted(days.items())]


# --- the citizen's own ---------------------------------------------------------------------------------------


def booking_origin(*, user=None, citizen: Citizen | None = None) -> Commune | None:
    """The commune of the current address of the person booking — ``user``'s citizen (portal account) or the
    ``citizen`` an invitation was made for — to order lieux nearest first; ``None`` when unknown.

    Read for the person themselves to sort a list, never shown: not logged.
    """
    if citizen is not None:
        addresses = Address.objects.filter(citizen=citizen)
    elif perms.is_citizen_account(user):
        addresses = Address.objects.filter(citizen__user=user)
    else:
        return None
    address = (
        addresses.filter(end_date__isnull=True)
        .order_by("-start_date", "-id")
        .values("insee_code", "postcode", "city")
        .first()
    )
    if address is None:
        return None
    if address["insee_code"]:
        commune = commune_get(address["insee_code"])
        if commune is not None:
            return commune
    return commune_for_postcode(postcode=address["postcode"], city=address["city"])


def _participations_q(user):
    return Participant.objects.filter(citizen__user=user, citizen__status=Citizen.Status.ACTIVE)


def my_participations(*, user, http_request=None) -> list[Participant]:
    """The appointments of ``user``'s own citizen (portal account), to come first then past, each with its
    motif and lieu; never the other participants. Logged once as the citizen reading their own data."""
    if not perms.is_citizen_account(user):
        raise Http404
    rows = list(
        _participations_q(user)
        .select_related("rendezvous__motif__team", "rendezvous__lieu", "citizen")
        .order_by("-rendezvous__starts_at")
    )
    if rows:
        access_log_write(
            actor=user,
            action=AccessLog.Action.CITIZEN_SELF_VIEW,
            citizen=rows[0].citizen_id,
            object_type="rendezvous.participant",
            object_id="liste",
            request=http_request,
        )
    now = timezone.now()
    upcoming = sorted(
        (p for p in rows if p.rendezvous.starts_at > now and p.rendezvous.status == Rendezvous.Status.ACTIVE),
        key=lambda p: p.rendezvous.starts_at,
    )
    return upcoming + [p for p in rows if p not in upcoming]


def my_participation_get(*, user, pk, http_request=None, log: bool = True) -> Participant:
    """One appointment of ``user``'s own citizen by participant id, else 404; logs the read."""
    if not perms.is_citizen_account(user):
        raise Http404
    participant = (
        _participations_q(user).select_related("rendezvous__motif__team", "rendezvous__lieu").filter(pk=pk).first()
    )
    if participant is None:
        raise Http404
    if log:
        access_log_write(
            actor=user,
            action=AccessLog.Action.CITIZEN_SELF_VIEW,
            citizen=participant.citizen_id,
            obj=participant.rendezvous,
            request=http_request,
        )
    return participant


def invitation_by_token(*, token: str, now: datetime.datetime | None = None, used: bool = False) -> Invitation | None:
    """The invitation a link's token opens, if still usable (not used, not expired, motif still active);
    with ``used``, the one already used through that link (to show what was booked), while not expired.

    Holding the link is the right to book (it was given to that person): no user; not logged here, the
    booking it leads to is on the person's timeline.
    """
    if not token or len(token) > 200:
        return None
    now = now or timezone.now()
    return (
        Invitation.objects.select_related("motif__team", "lieu", "citizen", "rendezvous__lieu")
        .filter(
            token_hash=invitation_token_hash(token=token),
            used_at__isnull=not used,
            expires_at__gt=now,
            motif__is_active=True,
        )
        .first()
    )


# --- agents --------------------------------------------------------------------------------------------------


def rendezvous_for(*, user) -> QuerySet[Rendezvous]:
    """The appointments ``user`` may see (``perms.visible_rendezvous_q``); not logged: callers narrow and log."""
    return Rendezvous.objects.filter(perms.visible_rendezvous_q(user)).distinct()


def rendezvous_get(*, user, pk, http_request=None, log: bool = True) -> Rendezvous:
    """One appointment ``user`` may see, with its participants and their citizens, else 404; logs ``RDV_VIEW``
    (one row per participant, so each person's access list shows it)."""
    rendezvous = (
        rendezvous_for(user=user)
        .select_related("motif__team", "lieu", "agent")
        .prefetch_related(
            Prefetch("participants", queryset=Participant.objects.select_related("citizen").order_by("pk"))
        )
        .filter(pk=pk)
        .first()
    )
    if rendezvous is None:
        raise Http404
    if log:
        for participant in rendezvous.participants.all():
            access_log_write(
                actor=user,
                action=AccessLog.Action.RDV_VIEW,
                citizen=participant.citizen_id,
                obj=rendezvous,
                request=http_request,
            )
    return rendezvous
