"""Retention of appointments (two purposes, registered from ``apps.py``, on the DPO's retention screen).

- ``appointment``: a person's participation in an appointment, 2 years after its date. The participation
  (status, what was done, phone and e-mail given), its messages and their history go, with the person's
  timeline entry of that appointment; the appointment itself (motif, lieu, agent, time, status) stays,
  without anyone in it, for the activity figures. Its cancellation reason (free text) is emptied once no
  participant is left.
- ``appointment_sms``: the text of each SMS sent, 6 months after sending (the log row stays: date, kind,
  result, segments — what a dispute about a message needs).
- ``rdv_invitation``: an invitation link sent to a person, 1 year after its end (expiry, withdrawal; a used one
  ends when it expires too): the invitation, its history, the messages that carried it and its timeline entries
  go. The appointment booked with it follows its own rule.
"""

from __future__ import annotations

from collections import defaultdict

from django.utils import timezone

from dossier_unique.retention import timeline_forget
from grc.history import save_tracked
from grc.models import Citizen
from grc.retention_registry import (
    ANONYMISED,
    RetentionPurpose,
    citizen_ids_of,
    history_model,
    rows_of_citizens,
    serialise,
)

from .models import Invitation, MessageLog, Participant, Rendezvous

APPOINTMENT_RULE = {
    "label": "Rendez-vous : 2 ans après leur date",
    "duration_months": 24,
    "warning_days": 0,
    "export_before_destruction": False,
    "legal_reference": (
        "Durée fixée par le Département : 2 ans après la date du rendez-vous (RGPD art. 5.1.e, limitation de la "
        "conservation) ; ce qui fonde une décision reste au dossier social, sous sa propre règle."
    ),
}
SMS_RULE = {
    "label": "Texte des SMS de rendez-vous : 6 mois après l'envoi",
    "duration_months": 6,
    "warning_days": 0,
    "export_before_destruction": False,
    "legal_reference": (
        "Minimisation (RGPD art. 5.1.c et 5.1.e) : le journal garde la date, le type et le résultat de "
        "l'envoi ; le texte ne sert plus une fois le rendez-vous passé et les réclamations éteintes."
    ),
}


# --- appointment: one row = one participation --------------------------------------------------------


def _participations(rule, cutoff):
    return Participant.objects.filter(rendezvous__ends_at__lt=cutoff)


def _describe_participations(ids):
    return [
        {
            "type": "rendez-vous",
            "id": pk,
            "label": f"Rendez-vous n° {rendezvous_id}",
            "date": timezone.localtime(starts_at).date().isoformat(),
        }
        for pk, rendezvous_id, starts_at in Participant.objects.filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", "rendezvous_id", "rendezvous__starts_at")
    ]


def _export_participations(ids):
    records = []
    for participant in Participant.objects.filter(pk__in=ids).select_related("rendezvous"):
        records.append(
            {
                "rendez_vous": serialise([participant.rendezvous]),
                "participant": serialise([participant]),
                "usager": serialise(Citizen.objects.filter(pk=participant.citizen_id)),
                "messages": serialise(MessageLog.objects.filter(participant=participant)),
            }
        )
    return records, []


def _timeline_forget(pairs) -> int:
    """Delete the timeline entries (and their history) of these (appointment, citizen) pairs: a group
    session has one entry per person, and only the person whose participation goes loses theirs."""
    by_citizen: dict[int, list[int]] = defaultdict(list)
    for rendezvous_id, citizen_id in pairs:
        by_citizen[citizen_id].append(rendezvous_id)
    return sum(
        timeline_forget(source_type="rendezvous.rendezvous", source_ids=ids, citizen_id=citizen_id)
        for citizen_id, ids in by_citizen.items()
    )


def _apply_participations(ids, *, actor, reason, counts, forget):
    pairs = list(Participant.objects.filter(pk__in=ids).values_list("rendezvous_id", "citizen_id"))
    messages = MessageLog.objects.filter(participant_id__in=ids)
    counts["messages_deleted"] += messages.count()
    messages.delete()
    Participant.objects.filter(pk__in=ids).delete()
    history_model(Participant).objects.filter(id__in=ids).delete()
    counts["timeline_entries_deleted"] += _timeline_forget(pairs)
    emptied = Rendezvous.objects.filter(pk__in={r for r, _c in pairs}, participants__isnull=True).exclude(
        cancel_reason=""
    )
    for rendezvous in emptied:
        rendezvous.cancel_reason = ""
        save_tracked(rendezvous, actor, reason)
    history_model(Rendezvous).objects.filter(id__in=[r.pk for r in emptied]).update(cancel_reason="")
    counts["participations_deleted"] += len(ids)


APPOINTMENT_PURPOSE = RetentionPurpose(
    key="appointment",
    order=32,
    default_rule=APPOINTMENT_RULE,
    candidates=_participations,
    describe=_describe_participations,
    apply=_apply_participations,
    citizen_ids=citizen_ids_of(Participant),
    export=_export_participations,
    of_citizens=rows_of_citizens(Participant),
)


# --- appointment_sms: one row = one SMS log -----------------------------------------------------------


def _sms_sent(rule, cutoff):
    return MessageLog.objects.filter(
        channel=MessageLog.Channel.SMS, sent_at__lt=cutoff, text_anonymised_at__isnull=True
    ).exclude(text="")


def _describe_sms(ids):
    return [
        {"type": "sms", "id": pk, "label": f"SMS ({kind})", "date": timezone.localtime(sent).date().isoformat()}
        for pk, kind, sent in MessageLog.objects.filter(pk__in=ids).order_by("pk").values_list("pk", "kind", "sent_at")
    ]


def _apply_sms(ids, *, actor, reason, counts, forget):
    counts["sms_texts_anonymised"] += MessageLog.objects.filter(pk__in=ids).update(
        text=ANONYMISED, text_anonymised_at=timezone.now()
    )


SMS_PURPOSE = RetentionPurpose(
    key="appointment_sms",
    order=34,
    default_rule=SMS_RULE,
    candidates=_sms_sent,
    describe=_describe_sms,
    apply=_apply_sms,
    of_citizens=lambda citizen_ids: MessageLog.objects.filter(
        channel=MessageLog.Channel.SMS, participant__citizen_id__in=citizen_ids
    ),
)


# --- rdv_invitation: one row = one invitation --------------------------------------------------------------

INVITATION_RULE = {
    "label": "Invitations à prendre rendez-vous : 1 an après leur fin",
    "duration_months": 12,
    "warning_days": 0,
    "export_before_destruction": False,
    "legal_reference": (
        "Durée fixée par le Département (RGPD art. 5.1.e) : une invitation sert à prendre un rendez-vous ; "
        "un an après sa fin elle ne sert plus, le rendez-vous pris suit sa propre règle (2 ans)."
    ),
}


def _invitations(rule, cutoff):
    return Invitation.objects.filter(expires_at__lt=cutoff)


def _describe_invitations(ids):
    return [
        {"type": "invitation", "id": pk, "label": f"Invitation n° {pk}", "date": timezone.localdate(end).isoformat()}
        for pk, end in Invitation.objects.filter(pk__in=ids).order_by("pk").values_list("pk", "expires_at")
    ]


def _apply_invitations(ids, *, actor, reason, counts, forget):
    messages = MessageLog.objects.filter(invitation_id__in=ids, rendezvous__isnull=True)
    counts["messages_deleted"] += messages.count()
    messages.delete()
    counts["timeline_entries_deleted"] += timeline_forget(source_type="rendezvous.invitation", source_ids=ids)
    Invitation.objects.filter(pk__in=ids).delete()
    history_model(Invitation).objects.filter(id__in=ids).delete()
    counts["invitations_deleted"] += len(ids)


def _export_invitations(ids):
    records = [
        {"invitation": serialise([one]), "messages": serialise(MessageLog.objects.filter(invitation=one))}
        for one in Invitation.objects.filter(pk__in=ids)
    ]
    return records, []


INVITATION_PURPOSE = RetentionPurpose(
    key="rdv_invitation",
    order=35,
    default_rule=INVITATION_RULE,
    candidates=_invitations,
    describe=_describe_invitations,
    apply=_apply_invitations,
    citizen_ids=citizen_ids_of(Invitation),
    export=_export_invitations,
    of_citizens=rows_of_citizens(Invitation),
)
