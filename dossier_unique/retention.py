"""Retention of the social file (the ``social_file`` purpose, registered from ``apps.py``).

Files without an open accompaniment and without any contact (note, document, timeline entry,
accompaniment start or end) since the cutoff: notes and documents deleted (and the bytes), their
timeline entries deleted, accompaniments keep programme / team / dates / status (closing reason
cleared), grant purposes and emergency-access reasons replaced by "Anonymisé". History rows follow.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from grc.history import save_tracked
from grc.models import Address, HouseholdMembership
from grc.retention_registry import (
    ANONYMISED,
    RetentionPurpose,
    citizen_ids_of,
    history_model,
    rows_of_citizens,
    serialise,
)

from .models import (
    Accompaniment,
    Document,
    EmergencyAccess,
    FileMember,
    Note,
    SharingGrant,
    SocialFile,
    TimelineEntry,
)

DEFAULT_RULE = {
    "label": "Dossiers sociaux : 2 ans après le dernier contact",
    "duration_months": 24,
    "warning_days": 0,
    "export_before_destruction": True,
    "legal_reference": (
        "CNIL, référentiel relatif aux traitements de données personnelles mis en œuvre dans le cadre de "
        "l'accueil, l'hébergement et l'accompagnement social et médico-social (2021) : 2 ans après le "
        "dernier contact en base active ; CASF art. L121-6-2 et L226-2-2 ; versement aux Archives "
        "départementales avant élimination (code du patrimoine art. L212-2 et L212-3, visa du service "
        "d'archives)."
    ),
}


def timeline_forget(*, source_type: str, source_ids, citizen_id: int | None = None) -> int:
    """Delete the timeline entries (and their history) of deleted sources — only ``citizen_id``'s when given (a
    source shared by several people, such as a group session); returns how many went."""
    entries = TimelineEntry.objects.filter(source_type=source_type, source_id__in=[str(pk) for pk in source_ids])
    if citizen_id is not None:
        entries = entries.filter(citizen_id=citizen_id)
    ids = list(entries.values_list("pk", flat=True))
    if not ids:
        return 0
    TimelineEntry.objects.filter(pk__in=ids).delete()
    history_model(TimelineEntry).objects.filter(id__in=ids).delete()
    return len(ids)


def _candidates(rule, cutoff):
    cutoff_day = timezone.localtime(cutoff).date()
    recent = (
        Q(Exists(Accompaniment.objects.filter(file=OuterRef("pk"), status=Accompaniment.Status.OPEN)))
        | Q(Exists(Accompaniment.objects.filter(file=OuterRef("pk"), start_date__gte=cutoff_day)))
        | Q(Exists(Accompaniment.objects.filter(file=OuterRef("pk"), end_date__gte=cutoff_day)))
        | Q(Exists(Note.objects.filter(file=OuterRef("pk"), created_at__gte=cutoff)))
        | Q(Exists(Document.objects.filter(file=OuterRef("pk"), uploaded_at__gte=cutoff)))
        | Q(Exists(TimelineEntry.objects.filter(file=OuterRef("pk"), occurred_at__gte=cutoff)))
        | Q(created_at__gte=cutoff)
    )
    return SocialFile.objects.exclude(recent)


def _describe(ids):
    last = {
        row["file_id"]: row["last"]
        for row in TimelineEntry.objects.filter(file_id__in=ids)
        .values("file_id")
        .annotate(last=models.Max("occurred_at"))
    }
    rows = []
    for pk, created in SocialFile.objects.filter(pk__in=ids).order_by("pk").values_list("pk", "created_at"):
        reference = last.get(pk) or created
        rows.append({"type": "dossier social", "id": pk, "date": timezone.localtime(reference).date().isoformat()})
    return rows


def _export(ids):
    files = list(SocialFile.objects.filter(pk__in=ids).select_related("citizen"))
    records, attachments = [], []
    for social_file in files:
        documents = list(Document.objects.filter(file=social_file))
        records.append(
            {
                "dossier": serialise([social_file]),
                "usager": serialise([social_file.citizen]),
                "adresses": serialise(Address.objects.filter(citizen_id=social_file.citizen_id)),
                "foyers": serialise(HouseholdMembership.objects.filter(citizen_id=social_file.citizen_id)),
                "accompagnements": serialise(Accompaniment.objects.filter(file=social_file)),
                "intervenants": serialise(FileMember.objects.filter(file=social_file)),
                "notes": serialise(Note.objects.filter(file=social_file)),
                "documents": serialise(documents),
                "partages": serialise(SharingGrant.objects.filter(file=social_file)),
                "acces_d_urgence": serialise(EmergencyAccess.objects.filter(file=social_file)),
                "parcours": serialise(TimelineEntry.objects.filter(file=social_file)),
            }
        )
        attachments += [(f"dossiers/{social_file.pk}/documents/{d.pk}", d.content) for d in documents]
    return records, attachments


def _delete_notes_and_documents(ids, counts, forget) -> list[int]:
    documents = list(Document.objects.filter(file_id__in=ids))
    forget.files += [(document.content.storage, document.content.name) for document in documents]
    note_ids = list(Note.objects.filter(file_id__in=ids).values_list("pk", flat=True))
    doc_ids = [d.pk for d in documents]
    counts["timeline_entries_deleted"] += timeline_forget(source_type="dossier_unique.note", source_ids=note_ids)
    counts["timeline_entries_deleted"] += timeline_forget(source_type="dossier_unique.document", source_ids=doc_ids)
    counts["notes_deleted"] += Note.objects.filter(pk__in=note_ids).delete()[0]
    counts["documents_deleted"] += len(doc_ids)
    Document.objects.filter(pk__in=doc_ids).delete()
    history_model(Note).objects.filter(file_id__in=ids).delete()
    history_model(Document).objects.filter(file_id__in=ids).delete()
    return note_ids


def _apply(ids, *, actor, reason, counts, forget):
    note_ids = _delete_notes_and_documents(ids, counts, forget)
    for accompaniment in Accompaniment.objects.filter(file_id__in=ids).exclude(closing_reason=""):
        accompaniment.closing_reason = ""
        save_tracked(accompaniment, actor, reason)
    history_model(Accompaniment).objects.filter(file_id__in=ids).update(closing_reason="")
    for grant in SharingGrant.objects.filter(file_id__in=ids):
        grant.purpose = ANONYMISED
        if grant.family_not_informed_reason:
            grant.family_not_informed_reason = ANONYMISED
        save_tracked(grant, actor, reason)
    grants_history = history_model(SharingGrant).objects.filter(file_id__in=ids)
    grants_history.update(purpose=ANONYMISED)
    grants_history.exclude(family_not_informed_reason="").update(family_not_informed_reason=ANONYMISED)
    for access in EmergencyAccess.objects.filter(file_id__in=ids):
        access.reason = ANONYMISED
        access.dpo_comment = ""
        save_tracked(access, actor, reason)
    history_model(EmergencyAccess).objects.filter(file_id__in=ids).update(reason=ANONYMISED, dpo_comment="")
    forget.search_objects("note", note_ids)
    forget.search_files += list(ids)
    counts["files_anonymised"] += len(ids)


SOCIAL_FILE_PURPOSE = RetentionPurpose(
    key="social_file",
    order=40,
    default_rule=DEFAULT_RULE,
    candidates=_candidates,
    describe=_describe,
    apply=_apply,
    citizen_ids=citizen_ids_of(SocialFile),
    export=_export,
    of_citizens=rows_of_citizens(SocialFile),
)
