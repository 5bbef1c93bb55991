"""Outgoing letters in a person's data (registered from ``apps.py``): every letter the Département sent
them, for their own download and the DPO's access-right archive. The person received these letters: the
text is theirs; the writer is designated as the other sections do (team and role, or name when the DPO
decided so)."""

from __future__ import annotations

from grc.person_data_registry import PersonDataSection, iso

from .models import OutgoingLetter


def _sent_letters(scope):
    letters = list(
        OutgoingLetter.objects.filter(citizen_id__in=scope.ids).select_related("team").order_by("created_at", "pk")
    )
    scope.staff.load(letter.author_id for letter in letters)
    return [
        {
            "reference": letter.reference,
            "date": iso(letter.created_at),
            "service": letter.team.name,
            "redige_par": scope.staff.describe(letter.author_id, letter.created_at),
            "objet": letter.subject,
            "texte": letter.body,
            "adresse": letter.recipient_address,
            "depose_dans_mon_espace": letter.portal_message_id is not None or letter.portal_published_at is not None,
        }
        for letter in letters
    ]


SENT_LETTERS_SECTION = PersonDataSection(key="courriers_envoyes", order=91, build=_sent_letters)
