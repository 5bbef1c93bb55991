"""Retention of incoming mail (the ``mail`` purpose, registered from ``apps.py``).

Letters handled (or routed) before the cutoff: scan bytes deleted, recognised text, pages text,
sender and suggestions removed, unlinked from the citizen; number, dates, type, team kept.
"""

from __future__ import annotations

from django.db.models.functions import Coalesce
from django.utils import timezone

from dossier_unique.retention import timeline_forget
from grc.history import save_tracked
from grc.retention_registry import RetentionPurpose, citizen_ids_of, history_model, rows_of_citizens, serialise

from .models import MailDuplicateUpload, MailEvent, MailItem, MailPage

DEFAULT_RULE = {
    "label": "Courriers entrants : 5 ans après traitement",
    "duration_months": 60,
    "warning_days": 0,
    "export_before_destruction": True,
    "legal_reference": (
        "Alignée sur les demandes qu'ils accompagnent (code civil art. 2224) ; le courrier utile est "
        "versé au dossier ou à la demande ; code du patrimoine art. L212-2 et L212-3 (visa des Archives "
        "départementales avant élimination)."
    ),
}


def _candidates(rule, cutoff):
    done = Coalesce("handled_at", "routed_at")
    return MailItem.objects.annotate(done_at=done).filter(done_at__lt=cutoff, status__in=["handled", "routed"])


def _describe(ids):
    return [
        {"type": "courrier", "id": pk, "label": number, "date": timezone.localtime(received).date().isoformat()}
        for pk, number, received in MailItem.objects.filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", "registration_number", "received_at")
    ]


def _export(ids):
    records, attachments = [], []
    for item in MailItem.objects.filter(pk__in=ids):
        records.append(
            {
                "courrier": serialise([item]),
                "texte_reconnu": item.ocr_text,
                "pages": serialise(item.pages.all()),
                "etapes": serialise(item.events.all()),
            }
        )
        if item.original:
            attachments.append((f"courriers/{item.registration_number}", item.original))
    return records, attachments


def _apply(ids, *, actor, reason, counts, forget):
    items = list(MailItem.objects.filter(pk__in=ids))
    forget.files += [(i.original.storage, i.original.name) for i in items if i.original]
    MailPage.objects.filter(item_id__in=ids).update(text="")
    MailEvent.objects.filter(item_id__in=ids).update(comment="")
    # A re-uploaded scan's file name may carry the sender's name.
    MailDuplicateUpload.objects.filter(item_id__in=ids).update(original_name="")
    for item in items:
        item.original = ""
        item.original_name = ""
        item.ocr_text = ""
        item.suggestions = {}
        item.sender = ""
        item.citizen = None
        save_tracked(item, actor, reason)
    history_model(MailItem).objects.filter(id__in=ids).update(
        original="", original_name="", sender="", citizen_id=None
    )
    counts["timeline_entries_deleted"] += timeline_forget(source_type="mail.mailitem", source_ids=ids)
    counts["mail_anonymised"] += len(items)
    forget.search_objects("mail", ids)


MAIL_PURPOSE = RetentionPurpose(
    key="mail",
    order=30,
    default_rule=DEFAULT_RULE,
    candidates=_candidates,
    describe=_describe,
    apply=_apply,
    citizen_ids=citizen_ids_of(MailItem),
    export=_export,
    of_citizens=rows_of_citizens(MailItem),
)
