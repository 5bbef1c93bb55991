"""Outgoing letters follow what they were written about when retention destroys or anonymises it: a letter
about a request goes with the request (purpose ``request``), one about a social file with the file (purpose
``social_file``), and so with a GDPR erasure of the person, which runs those purposes.

The register keeps its rows (number, date, team, writer: a register without gaps), but the recipient, the
address, the subject and the text are anonymised, in the history too, and the timeline entries of those
letters go (registered from ``TravailConfig.ready`` as extensions of the two purposes).
"""

from __future__ import annotations

from dossier_unique.retention import timeline_forget
from grc.history import save_tracked
from grc.retention_registry import ANONYMISED, ANONYMISED_NAME, RetentionExtension, history_model

from .models import OutgoingLetter

SOURCE_TYPE = "travail.outgoingletter"
BLANK = {"recipient_name": ANONYMISED_NAME, "recipient_address": "", "subject": ANONYMISED, "body": ANONYMISED}


def _anonymise(letters, *, actor, reason, counts) -> None:
    letters = list(letters)
    ids = [letter.pk for letter in letters]
    for letter in letters:
        for field, value in BLANK.items():
            setattr(letter, field, value)
        save_tracked(letter, actor, reason)
    history_model(OutgoingLetter).objects.filter(id__in=ids).update(**BLANK)
    counts["timeline_entries_deleted"] += timeline_forget(source_type=SOURCE_TYPE, source_ids=ids)
    counts["outgoing_letters_anonymised"] += len(ids)


def _with_requests(ids, *, actor, reason, counts, forget):
    _anonymise(
        OutgoingLetter.objects.filter(request_id__in=ids).exclude(body=ANONYMISED),
        actor=actor,
        reason=reason,
        counts=counts,
    )


def _with_files(ids, *, actor, reason, counts, forget):
    _anonymise(
        OutgoingLetter.objects.filter(file_id__in=ids).exclude(body=ANONYMISED),
        actor=actor,
        reason=reason,
        counts=counts,
    )


WITH_REQUESTS = RetentionExtension(key="request", name="travail_outgoing_letters", apply=_with_requests)
WITH_FILES = RetentionExtension(key="social_file", name="travail_outgoing_letters", apply=_with_files)
