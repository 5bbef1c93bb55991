"""Appointments under ``/api/v1/`` (mounted on ``config.api.api``): free slots, booking and cancellation for
partners (a service account's token) and agents (a token of a team's service account, or a staff session).

Who may do what (``rendezvous.perms``; the same services as the portal and the back office):

- an **agent** — a caller with a current membership in the motif's team (``perms.can_book_for_team``) —
  reads the free slots of any active motif of their teams, books any future slot (channel "agent") for a
  citizen given by id (``grc.selectors.citizen_get``: their right to read the person is checked and logged)
  or by identity, and cancels the team's appointments;
- a **partner** — a service account with no such membership — reads and books the motifs open to partners
  (``Motif.partners_may_book``) under the motif's delays (channel "partenaire"), for a person given by
  identity, and cancels the appointments it booked.

A motif or an appointment the caller may not use is a 404, as if it did not exist. A person given by
identity is the one citizen the reference matches with certainty (same names and birth date), else a new
record (the nightly duplicate detection then raises any suspicion): a partner never learns whether the
person was known. The answers carry no personal data but the appointment itself.
"""

from __future__ import annotations

import datetime
from typing import Annotated

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import field_validator

from grc.audit.models import AccessLog
from grc.audit.services import access_log_write
from grc.matching.candidates import IdentityQuery, match
from grc.models import Citizen
from grc.schemas import BIGINT_MAX, InputSchema, MessageOut, ObjectId, Sex, ValidationErrorOut
from grc.selectors.citizens import citizen_get
from grc.services.citizens import citizen_create
from grc.validators import pydantic_check, validate_birth_date, validate_name

from . import perms, services
from .models import Lieu, Motif, Rendezvous
from .slots import free_slots

router = Router(tags=["rendez-vous"])

READ_ERRORS = {401: MessageOut, 404: MessageOut, 422: ValidationErrorOut}
WRITE_ERRORS = {401: MessageOut, 404: MessageOut, 409: MessageOut, 422: ValidationErrorOut}
# Scores of grc.matching at or above this are the same names and birth date: the same person.
CERTAIN_MATCH = 0.95
MAX_SLOTS = 500
MAX_RANGE_DAYS = 92
SearchId = Annotated[int, Field(ge=1, le=BIGINT_MAX)]


# --- shapes ----------------------------------------------------------------------------------------------


class SlotsQuery(Schema):
    motif_id: SearchId
    lieu_id: SearchId | None = None
    start: datetime.datetime | None = Field(None, description="Début de la période (défaut : maintenant).")
    end: datetime.datetime | None = Field(None, description="Fin de la période (au plus 92 jours après le début).")


class LieuOut(Schema):
    id: int
    name: str
    address: str
    postcode: str
    city: str
    wheelchair_accessible: bool


class SlotOut(Schema):
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    lieu_id: int
    places_left: int


class SlotsOut(Schema):
    motif_id: int
    duration_minutes: int
    lieux: list[LieuOut]
    slots: list[SlotOut]
    truncated: bool


class PersonIn(InputSchema):
    """The person booked for, when not given by ``citizen_id``."""

    birth_name: str = Field(..., min_length=1, max_length=150)
    usage_name: str = Field("", max_length=150)
    first_names: str = Field(..., min_length=1, max_length=255)
    birth_date: datetime.date
    sex: Sex = "X"

    check_birth_date = field_validator("birth_date")(pydantic_check(validate_birth_date))
    check_names = field_validator("birth_name", "usage_name", "first_names")(pydantic_check(validate_name))


class BookingIn(InputSchema):
    motif_id: SearchId
    starts_at: datetime.datetime
    lieu_id: SearchId | None = None
    citizen_id: SearchId | None = Field(None, description="Agents : l'usager du référentiel.")
    person: PersonIn | None = Field(None, description="Partenaires (et agents) : l'identité de la personne.")
    phone: str = Field("", max_length=30, description="Portable pour les SMS (format français ou international).")
    email: str = Field("", max_length=254)
    notify_sms: bool = False
    notify_email: bool | None = Field(None, description="Défaut : oui si une adresse est donnée.")


class CancelIn(InputSchema):
    reason: str = Field("", max_length=255)


class BookingOut(Schema):
    id: int
    participant_id: int
    status: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    motif_id: int
    lieu_id: int | None
    channel: str


# --- rules -----------------------------------------------------------------------------------------------


def _acting_as(user, motif: Motif) -> str | None:
    """The channel ``user`` books ``motif`` through, or None when they may not use it."""
    if perms.can_book_for_team(user, motif.team_id):
        return Rendezvous.Channel.AGENT
    if getattr(user, "is_service_account", False) and motif.partners_may_book and not motif.is_sensitive:
        return Rendezvous.Channel.PARTENAIRE
    return None


def _motif(user, motif_id) -> tuple[Motif, str]:
    motif = Motif.objects.filter(pk=motif_id, is_active=True).select_related("team").first()
    channel = _acting_as(user, motif) if motif is not None else None
    if channel is None:
        raise Http404
    return motif, channel


def _lieu(lieu_id) -> Lieu | None:
    if lieu_id is None:
        return None
    lieu = Lieu.objects.filter(pk=lieu_id, is_active=True).first()
    if lieu is None:
        raise ValidationError({"lieu_id": _("Lieu inconnu.")})
    return lieu


def _moment(value: datetime.datetime | None, field: str) -> datetime.datetime | None:
    """An aware moment (a naive one is French local time) within a year of now, else a French 422."""
    if value is None:
        return None
    if timezone.is_naive(value):
        try:
            value = timezone.make_aware(value)
        except (OverflowError, ValueError):
            raise ValidationError({field: _("Date invalide.")}) from None
    now = timezone.now()
    try:
        within = now - datetime.timedelta(days=366) <= value <= now + datetime.timedelta(days=366)
    except OverflowError:  # year 1 or 9999 with an offset that leaves the calendar
        within = False
    if not within:
        raise ValidationError({field: _("Date hors de la période possible (un an avant ou après aujourd'hui).")})
    return value


def _person(user, payload: BookingIn, request):
    """The citizen booked for: by id (agents, checked and logged), or by identity (matched or created)."""
    if payload.citizen_id is not None:
        return citizen_get(user=user, pk=payload.citizen_id, request=request, purpose=_("prise de rendez-vous"))
    person = payload.person
    if person is None:
        raise ValidationError({"person": _("Indiquez la personne (citizen_id ou person).")})
    query = IdentityQuery(
        birth_name=person.birth_name,
        usage_name=person.usage_name,
        first_names=person.first_names,
        birth_date=person.birth_date,
    )
    for candidate in match(query, limit=1, min_score=CERTAIN_MATCH, fuzzy_names=False):
        # The person is known: the booking attaches to their record (nothing of it is returned). Logged as
        # an identity match by this caller, like every use of the reference.
        access_log_write(
            actor=user,
            action=AccessLog.Action.CITIZEN_MATCH,
            citizen=candidate.citizen_id,
            request=request,
            purpose=_("prise de rendez-vous par l'API : identité reconnue"),
        )
        return Citizen.objects.only("pk").get(pk=candidate.citizen_id)
    return citizen_create(
        actor=user,
        birth_name=person.birth_name,
        usage_name=person.usage_name,
        first_names=person.first_names,
        birth_date=person.birth_date,
        sex=person.sex,
    )


# --- operations ------------------------------------------------------------------------------------------


@router.get("/rendezvous/slots", response={200: SlotsOut, **READ_ERRORS})
def rendezvous_slots(request, query: Query[SlotsQuery]):
    """Free slots of a motif (computed from the opening slots, absences, holidays and appointments taken),
    at one lieu or all; a partner sees them within the motif's booking delays. At most 500 slots."""
    motif, channel = _motif(request.auth, query.motif_id)
    start = _moment(query.start, "start")
    end = _moment(query.end, "end")
    start = start or timezone.now()
    if end is None or end > start + datetime.timedelta(days=MAX_RANGE_DAYS):
        end = start + datetime.timedelta(days=MAX_RANGE_DAYS)
    lieu = _lieu(query.lieu_id)
    slots = free_slots(
        motif=motif,
        start=start,
        end=end,
        lieu_ids=[lieu.pk] if lieu else None,
        enforce_delays=channel != Rendezvous.Channel.AGENT,
    )
    lieux = Lieu.objects.in_bulk({slot.lieu_id for slot in slots[:MAX_SLOTS]})
    return {
        "motif_id": motif.pk,
        "duration_minutes": motif.duration_minutes,
        "lieux": sorted(lieux.values(), key=lambda lieu: lieu.name),
        "slots": [
            {"starts_at": s.starts_at, "ends_at": s.ends_at, "lieu_id": s.lieu_id, "places_left": s.places_left}
            for s in slots[:MAX_SLOTS]
        ],
        "truncated": len(slots) > MAX_SLOTS,
    }


@router.post("/rendezvous", response={201: BookingOut, **WRITE_ERRORS})
def rendezvous_book(request, payload: BookingIn):
    """Book a free slot for a person; the notices and webhooks follow. A slot taken meanwhile is a 409
    ("Ce créneau vient d'être pris."), any other refusal a French 422; nothing is written on a refusal."""
    user = request.auth
    motif, channel = _motif(user, payload.motif_id)
    starts_at = _moment(payload.starts_at, "starts_at")
    lieu = _lieu(payload.lieu_id)
    if lieu is None and motif.needs_lieu:
        raise ValidationError({"lieu_id": _("Indiquez le lieu (lieu_id) : ce rendez-vous a lieu sur place.")})
    if payload.citizen_id is not None and channel != Rendezvous.Channel.AGENT:
        raise ValidationError({"citizen_id": _("Indiquez l'identité de la personne (person), pas un identifiant.")})
    try:
        # One transaction: a person created for this booking does not outlive a refused booking.
        with transaction.atomic():
            participant = services.rdv_book(
                motif=motif,
                starts_at=starts_at,
                citizen=_person(user, payload, request),
                actor=user,
                channel=channel,
                lieu=lieu,
                phone=payload.phone,
                email=payload.email,
                notify_sms=payload.notify_sms,
                notify_email=bool(payload.email) if payload.notify_email is None else payload.notify_email,
            )
    except ValidationError as error:
        if getattr(error, "code", None) == services.SLOT_TAKEN:
            raise HttpError(409, error.messages[0]) from None
        raise
    rendezvous = participant.rendezvous
    return Status(
        201,
        {
            "id": rendezvous.pk,
            "participant_id": participant.pk,
            "status": rendezvous.status,
            "starts_at": rendezvous.starts_at,
            "ends_at": rendezvous.ends_at,
            "motif_id": motif.pk,
            "lieu_id": rendezvous.lieu_id,
            "channel": rendezvous.channel,
        },
    )


@router.post("/rendezvous/{rendezvous_id}/cancel", response={200: BookingOut, **WRITE_ERRORS})
def rendezvous_cancel(request, rendezvous_id: ObjectId, payload: CancelIn):
    """Cancel an appointment: an agent of the motif's team any of them, a partner those it booked."""
    user = request.auth
    rendezvous = Rendezvous.objects.select_related("motif").filter(pk=rendezvous_id).first()
    if rendezvous is None:
        raise Http404
    team_agent = perms.can_book_for_team(user, rendezvous.motif.team_id)
    own_booking = getattr(user, "is_service_account", False) and rendezvous.created_by_id == user.pk
    if not (team_agent or own_booking):
        raise Http404
    rendezvous = services.rdv_cancel(rendezvous=rendezvous, actor=user, reason=payload.reason)
    participant = rendezvous.participants.order_by("pk").first()
    return {
        "id": rendezvous.pk,
        "participant_id": participant.pk if participant else 0,
        "status": rendezvous.status,
        "starts_at": rendezvous.starts_at,
        "ends_at": rendezvous.ends_at,
        "motif_id": rendezvous.motif_id,
        "lieu_id": rendezvous.lieu_id,
        "channel": rendezvous.channel,
    }
