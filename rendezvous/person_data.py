"""Appointments' section of a person's data (registered from ``apps.py``): "Mes données" for the citizen and
the DPO's access archive.

Each participation: when, where (or how: phone, home, video), the motif, who held it (team and role, as for
every professional), the status, how the person asked to be told, and the messages sent (channel, kind,
date, result, the SMS text while it is kept). "What was done" is an agent's record of the meeting: in the
DPO's archive, withheld and counted in the citizen's own download, like the social file's notes (which that
download does not hold either; the DPO decides what to communicate).
"""

from __future__ import annotations

from django.db.models import Prefetch

from grc.person_data_registry import DPO_ARCHIVE, PersonDataSection, iso

from .models import MessageLog, Participant


def _messages(participant):
    return [
        {
            "date": iso(message.sent_at),
            "canal": message.get_channel_display(),
            "type": message.get_kind_display(),
            "resultat": message.get_result_display(),
            "texte": message.text if message.channel == MessageLog.Channel.SMS else "",
        }
        for message in participant.messages.all()
    ]


def _participation(scope, participant):
    rendezvous = participant.rendezvous
    motif, lieu = rendezvous.motif, rendezvous.lieu
    row = {
        "debut": iso(rendezvous.starts_at),
        "fin": iso(rendezvous.ends_at),
        "motif": motif.name,
        "modalite": motif.get_location_type_display(),
        "lieu": lieu.name if lieu else None,
        "adresse_du_lieu": f"{lieu.address} {lieu.postcode} {lieu.city}".strip() if lieu else None,
        "avec": scope.staff.describe(rendezvous.agent_id, rendezvous.starts_at),
        "pris_par": scope.staff.describe(participant.booked_by_id, participant.created_at),
        "canal_de_reservation": rendezvous.get_channel_display(),
        "statut_du_rendez_vous": rendezvous.get_status_display(),
        "votre_statut": participant.get_status_display(),
        "seance_collective": rendezvous.capacity > 1,
        "telephone_pour_les_sms": participant.phone,
        "adresse_electronique": participant.email,
        "prevenir_par_sms": participant.notify_sms,
        "prevenir_par_courriel": participant.notify_email,
        "messages": _messages(participant),
    }
    if scope.audience == DPO_ARCHIVE:
        row["ce_qui_a_ete_fait"] = participant.outcome_note
    elif participant.outcome_note:
        scope.withheld["comptes_rendus_de_rendez_vous"] += 1
    return row


def _appointments(scope):
    participations = list(
        Participant.objects.filter(citizen_id__in=scope.ids)
        .select_related("rendezvous__motif", "rendezvous__lieu")
        .prefetch_related(Prefetch("messages", queryset=MessageLog.objects.order_by("sent_at", "pk")))
        .order_by("rendezvous__starts_at", "pk")
    )
    scope.staff.load(
        [p.rendezvous.agent_id for p in participations] + [p.booked_by_id for p in participations if p.booked_by_id]
    )
    return [_participation(scope, participant) for participant in participations]


APPOINTMENTS_SECTION = PersonDataSection(key="rendez_vous", order=85, build=_appointments)
