"""Writes of digital-help sessions: recording one (a few seconds at the counter) and keeping its history.

A session linked to a citizen also writes an entry on the citizen's timeline, in the same transaction.
Every refusal is a ``ValidationError`` keyed by the form's field, in French; nothing is saved then.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier_unique.models import TimelineEntry
from dossier_unique.timeline import timeline_record
from grc.history import save_tracked
from grc.models import Commune
from grc.selectors.territory import commune_for_postcode

from . import perms
from .models import HelpSession

ORIENTATION_MAX = HelpSession._meta.get_field("orientation").max_length
DURATION_MAX = 480
# A session may be recorded afterwards (end of a busy permanence), within this delay.
LATE_RECORDING = datetime.timedelta(days=31)
# Clocks of the agent's computer and the server differ by a few minutes at most.
CLOCK_SKEW = datetime.timedelta(minutes=5)
TIMELINE_DATE_SLACK = datetime.timedelta(minutes=1)


def _choice(value, choices, field: str, message: str, errors: dict) -> str:
    if value not in dict(choices):
        errors[field] = [message]
    return value


def _procedures(values, errors: dict) -> list[str]:
    chosen = list(dict.fromkeys(values or []))
    known = set(HelpSession.Procedure.values)
    if not chosen:
        errors["procedures"] = [_("Cochez au moins une démarche.")]
    elif any(value not in known for value in chosen):
        errors["procedures"] = [_("Choisissez les démarches dans la liste.")]
    # Stored in the list's order, so the same set always reads the same.
    return [value for value in HelpSession.Procedure.values if value in chosen]


def _held_at(value, now, errors: dict) -> datetime.datetime:
    if value is None:
        return now
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > now + CLOCK_SKEW:
        errors["held_at"] = [_("La séance ne peut pas être datée dans le futur.")]
    elif value < now - LATE_RECORDING:
        errors["held_at"] = [_("Une séance s'enregistre au plus tard 31 jours après.")]
    return value


def _duration(value, errors: dict) -> int | None:
    if value in (None, ""):
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= DURATION_MAX:
        errors["duration_minutes"] = [_("La durée est un nombre de minutes entre 1 et 480.")]
        return None
    return value


def _citizen_commune(citizen) -> Commune | None:
    """Where the citizen lives, from their current address (INSEE code, else postcode and city)."""
    address = next((a for a in citizen.addresses.all() if a.is_current), None)
    if address is None:
        return None
    if address.insee_code:
        commune = Commune.objects.filter(code=address.insee_code).defer("boundary").first()
        if commune is not None:
            return commune
    return commune_for_postcode(postcode=address.postcode, city=address.city)


def _check_citizen(citizen, errors: dict) -> None:
    if citizen is not None and citizen.is_merged:
        errors["citizen"] = [_("Cette fiche a été fusionnée avec une autre : choisissez la fiche conservée.")]


def _place(place, errors: dict):
    """The chosen place of the map: a published one (a withdrawn place is no longer an orientation)."""
    if place is None:
        return None
    if not getattr(place, "published", False):
        errors["orientation_place"] = [_("Ce lieu n'est plus sur la carte : choisissez-en un autre.")]
    return place


def _validated(
    *, place_kind, level, procedures, outcome, orientation, place, consent_at, duration_minutes, held_at, citizen, now
) -> dict:
    """The checked values of a session (record and correct share the rules), or ``ValidationError``."""
    errors: dict[str, list] = {}
    _choice(place_kind, HelpSession.PlaceKind.choices, "place_kind", _("Choisissez le cadre de la séance."), errors)
    _choice(level, HelpSession.Level.choices, "level", _("Choisissez le niveau d'aide."), errors)
    _choice(outcome, HelpSession.Outcome.choices, "outcome", _("Choisissez le résultat."), errors)
    chosen = _procedures(procedures, errors)
    orientation = " ".join((orientation or "").split())
    place = _place(place, errors)
    if len(orientation) > ORIENTATION_MAX:
        errors["orientation"] = [_("L'orientation tient en 300 caractères au plus.")]
    elif outcome == HelpSession.Outcome.ORIENTE and not orientation and place is None:
        errors["orientation"] = [_("Indiquez vers quel lieu ou service la personne est orientée.")]
    if level == HelpSession.Level.SUBSTITUTION and consent_at is None:
        errors["consent"] = [_("Faire la démarche à la place de la personne demande son consentement : cochez-le.")]
    duration = _duration(duration_minutes, errors)
    when = _held_at(held_at, now, errors)
    _check_citizen(citizen, errors)
    if errors:
        raise ValidationError(errors)
    return {
        "held_at": when,
        "place_kind": place_kind,
        "level": level,
        "procedures": chosen,
        "outcome": outcome,
        "orientation": orientation,
        "orientation_place": place,
        "consent_recorded_at": consent_at,
        "duration_minutes": duration,
    }


def help_session_record(
    *,
    actor,
    site,
    place_kind: str,
    level: str,
    procedures,
    outcome: str,
    orientation: str = "",
    orientation_place=None,
    citizen=None,
    consent_at: datetime.datetime | None = None,
    commune: Commune | None = None,
    duration_minutes: int | None = None,
    held_at: datetime.datetime | None = None,
) -> HelpSession:
    """Record one digital-help session held by ``actor`` at ``site``; returns the saved session.

    Rules: ``actor`` records at ``site`` (``accueil.perms.can_record_at``, else ``PermissionDenied``).
    At least one procedure, from the list. Substitution (doing it for the person) needs their consent,
    recorded at ``consent_at`` — as counter filing does. "Orienté" needs where to: a published place of the
    map (``orientation_place``, a ``mednum.Lieu``) or the orientation's text. A session is dated now, or up
    to 31 days back, never in the future. ``commune`` (where the person lives, for statistics) defaults to the
    linked citizen's current address. A linked session writes a timeline entry (no procedure in its title:
    the session keeps the detail under ``accueil.perms``; the place of orientation is public, so named).
    Queries: the permission uses the cached memberships; then the row, its history and, when linked, the
    citizen's commune and the timeline entry.
    """
    if not perms.can_record_at(actor, site):
        raise PermissionDenied
    values = _validated(
        place_kind=place_kind,
        level=level,
        procedures=procedures,
        outcome=outcome,
        orientation=orientation,
        place=orientation_place,
        consent_at=consent_at,
        duration_minutes=duration_minutes,
        held_at=held_at,
        citizen=citizen,
        now=timezone.now(),
    )
    if commune is None and citizen is not None:
        commune = _citizen_commune(citizen)
    session = HelpSession(agent=actor, site=site, citizen=citizen, commune=commune, **values)
    with transaction.atomic():
        save_tracked(session, actor, "séance d'aide numérique enregistrée")
        if citizen is not None:
            _timeline(session, actor)
    return session


def help_session_correct(
    *,
    actor,
    session: HelpSession,
    place_kind: str,
    level: str,
    procedures,
    outcome: str,
    orientation: str = "",
    orientation_place=None,
    consent_at: datetime.datetime | None = None,
    commune: Commune | None = None,
    duration_minutes: int | None = None,
    held_at: datetime.datetime | None = None,
) -> HelpSession:
    """Correct a mistaken session: its author, within 24 hours (``accueil.perms.can_correct``, else
    ``PermissionDenied``), with the same rules as recording. The citizen link is not changed here (a session
    recorded on the wrong person is corrected by the DPO's erasure path, not silently moved). The history keeps
    the previous version with the reason; the timeline entry's title follows the new level and place.
    """
    if not perms.can_correct(actor, session):
        raise PermissionDenied
    if consent_at is None and level == HelpSession.Level.SUBSTITUTION:
        consent_at = session.consent_recorded_at
    values = _validated(
        place_kind=place_kind,
        level=level,
        procedures=procedures,
        outcome=outcome,
        orientation=orientation,
        place=orientation_place,
        consent_at=consent_at,
        duration_minutes=duration_minutes,
        held_at=held_at or session.held_at,
        citizen=None,
        now=timezone.now(),
    )
    for name, value in values.items():
        setattr(session, name, value)
    if commune is not None or session.citizen_id is None:
        session.commune = commune
    session.corrected_at = timezone.now()
    with transaction.atomic():
        save_tracked(session, actor, "séance d'aide numérique corrigée par son auteur")
        if session.citizen_id is not None:
            _timeline_follow(session, actor)
    return session


def _title(session: HelpSession) -> str:
    values = {"level": session.get_level_display(), "site": session.site.name}
    if session.orientation_place is not None:
        values["place"] = session.orientation_place.nom
        return _("Aide aux démarches en ligne — %(level)s (%(site)s), orientée vers %(place)s") % values
    return _("Aide aux démarches en ligne — %(level)s (%(site)s)") % values


def _timeline_follow(session: HelpSession, actor) -> None:
    entry = (
        TimelineEntry.objects.filter(source_type="accueil.helpsession", source_id=str(session.pk))
        .order_by("pk")
        .first()
    )
    if entry is None:
        return
    entry.title, entry.occurred_at = _title(session), session.held_at
    save_tracked(entry, actor, "séance d'aide numérique corrigée", update_fields=["title", "occurred_at"])


def _timeline(session: HelpSession, actor) -> TimelineEntry:
    title = _title(session)
    entry = timeline_record(
        citizen_id=session.citizen_id,
        kind=TimelineEntry.Kind.HELP_SESSION,
        title=title,
        actor=actor,
        source=session,
    )
    if abs(entry.occurred_at - session.held_at) > TIMELINE_DATE_SLACK:
        # A session recorded afterwards: the entry is dated when the help was given, not when it was typed.
        entry.occurred_at = session.held_at
        save_tracked(entry, actor, "date de la séance", update_fields=["occurred_at"])
    return entry
