"""Appointments on the person's timeline (the single social file), with the motif's team visibility.

The one place that turns an appointment event into timeline entries, so the booking services (portal,
back office, partners' API) and the agents' services write the same thing:

- one entry per participant concerned (a group session writes one per person, never a list of names);
- a *normal* or *not notified* motif writes a *file*-visible entry (everyone who may read the file sees
  that an appointment took place, and with which motif);
- a *masqué* (sensitive) motif writes a *team*-visible entry for the motif's team only
  (``dossier_unique.perms.visible_entries_q``): outside that team the entry does not exist for the reader,
  and its title never names the motif anyway (titles carry no sensitive content);
- the entry points to the appointment (``source``), whose detail stays governed by ``rendezvous.perms``.

Called inside the service's transaction, like every ``timeline_record``.
"""

from __future__ import annotations

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from dossier_unique.models import Programme, TimelineEntry, Visibility
from dossier_unique.timeline import TimelineSource, timeline_record
from grc.models import Team

from .models import Invitation, Motif, Participant, Rendezvous

# The team kinds whose appointments belong to one programme of the social file (the timeline's filter).
_PROGRAMME_OF_TEAM = {
    Team.Kind.PMI: Programme.PMI,
    Team.Kind.RSA: Programme.RSA,
    Team.Kind.ASE: Programme.ASE,
    Team.Kind.APA_PCH: Programme.APA,
    Team.Kind.LOGEMENT: Programme.LOGEMENT_FSL,
}

EVENTS = ("created", "changed", "cancelled", "outcome")

SOURCES = (
    TimelineSource("rendezvous.rendezvous", frozenset({TimelineEntry.Kind.APPOINTMENT})),
    TimelineSource("rendezvous.invitation", frozenset({TimelineEntry.Kind.APPOINTMENT})),
)


def motif_programme(motif: Motif) -> str:
    """The social-file programme of a motif: its category when it names one, else its team's kind."""
    if motif.category in Programme.values:
        return motif.category
    return _PROGRAMME_OF_TEAM.get(motif.team.kind, "")


def motif_visibility(motif: Motif) -> tuple[str, Team | None]:
    """(visibility, team) of the timeline entries of ``motif``: team-only for a masked motif, else the file."""
    if motif.is_sensitive:
        return Visibility.TEAM, motif.team
    return Visibility.FILE, None


def _when(rendezvous: Rendezvous) -> str:
    return formats.date_format(timezone.localtime(rendezvous.starts_at), "d/m/Y à H:i")


def _title(rendezvous: Rendezvous, event: str, participant: Participant) -> str:
    motif = rendezvous.motif
    when = _when(rendezvous)
    # A masked motif is never named outside the team; the team reads it on the appointment itself.
    what = _("Rendez-vous") if motif.is_sensitive else _("Rendez-vous « %(motif)s »") % {"motif": motif.name}
    if event == "cancelled" or participant.status == Participant.Status.ANNULE:
        return _("%(what)s du %(when)s annulé") % {"what": what, "when": when}
    if event == "changed":
        return _("%(what)s déplacé au %(when)s") % {"what": what, "when": when}
    if event == "outcome":
        return _("%(what)s du %(when)s : %(status)s") % {
            "what": what,
            "when": when,
            "status": participant.get_status_display().lower(),
        }
    return _("%(what)s pris pour le %(when)s") % {"what": what, "when": when}


def rdv_timeline_record(
    *, rendezvous: Rendezvous, actor, event: str | None = None, participants=None
) -> list[TimelineEntry]:
    """Write the timeline entries of one appointment event, in the caller's transaction.

    ``event`` is ``created``, ``changed`` (moved), ``cancelled`` or ``outcome`` (a participant's status
    recorded); when None it is ``cancelled`` for a cancelled appointment and ``created`` otherwise (what the
    booking services need). ``participants`` limits the entries to those people (a citizen joining or leaving
    a group session); by default every participant still concerned (all of them for a cancellation, the
    ones not cancelled otherwise). Returns the entries written.
    """
    if event is None:
        event = "cancelled" if rendezvous.status == Rendezvous.Status.ANNULE else "created"
    if event not in EVENTS:
        raise ValueError(event)
    motif = rendezvous.motif
    visibility, team = motif_visibility(motif)
    programme = motif_programme(motif)
    if participants is None:
        participants = list(rendezvous.participants.all())
        if event != "cancelled":
            participants = [p for p in participants if p.status != Participant.Status.ANNULE]
    return [
        timeline_record(
            citizen_id=participant.citizen_id,
            kind=TimelineEntry.Kind.APPOINTMENT,
            title=_title(rendezvous, event, participant),
            actor=actor,
            visibility=visibility,
            team=team,
            programme=programme,
            source=rendezvous,
        )
        for participant in participants
    ]


def invitation_timeline_record(*, invitation: Invitation, title: str, actor=None) -> TimelineEntry:
    """One entry about an invitation (sent, or left without booking), with its motif's visibility."""
    visibility, team = motif_visibility(invitation.motif)
    return timeline_record(
        citizen_id=invitation.citizen_id,
        kind=TimelineEntry.Kind.APPOINTMENT,
        title=title,
        actor=actor,
        visibility=visibility,
        team=team,
        programme=motif_programme(invitation.motif),
        source=invitation,
    )
