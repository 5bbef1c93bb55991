"""Retention of requests (the ``request`` purpose, registered from ``apps.py``).

Requests decided (accepted, refused, closed) before the cutoff, and drafts not touched since:
answers, decision reason, messages, attachments (and bytes) and step comments removed, unlinked from
the citizen and the portal account; procedure, channel, status, team, dates kept. History follows.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from dossier_unique.retention import timeline_forget
from grc.history import save_tracked
from grc.models import Citizen
from grc.retention_registry import RetentionPurpose, citizen_ids_of, history_model, rows_of_citizens, serialise

from .models import Request, RequestAttachment, RequestEvent, RequestMessage

DEFAULT_RULE = {
    "label": "Demandes : 5 ans après la décision",
    "duration_months": 60,
    "warning_days": 0,
    "export_before_destruction": True,
    "legal_reference": (
        "Code civil art. 2224 (prescription de droit commun, 5 ans) et CASF (recours sur les décisions "
        "d'aide sociale, répétition de l'indu) ; versement aux Archives départementales avant "
        "élimination (code du patrimoine art. L212-2 et L212-3)."
    ),
}


def _candidates(rule, cutoff):
    decided = Q(status__in=Request.FINAL_STATUSES) & Q(
        Q(decided_at__lt=cutoff) | Q(decided_at__isnull=True, updated_at__lt=cutoff)
    )
    stale_draft = Q(status=Request.Status.DRAFT, updated_at__lt=cutoff)
    return Request.objects.filter(decided | stale_draft)


def _describe(ids):
    return [
        {
            "type": "demande",
            "id": pk,
            "label": f"{code} — {title}",
            "date": timezone.localtime(decided or updated).date().isoformat(),
        }
        for pk, code, title, decided, updated in Request.objects.filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", "tracking_code", "procedure_title", "decided_at", "updated_at")
    ]


def _export(ids):
    records, attachments = [], []
    for request in Request.objects.filter(pk__in=ids):
        request_attachments = list(RequestAttachment.objects.filter(request=request))
        records.append(
            {
                "demande": serialise([request]),
                "usager": serialise(Citizen.objects.filter(pk=request.citizen_id)),
                "etapes": serialise(request.events.all()),
                "messages": serialise(request.messages.all()),
                "pieces_jointes": serialise(request_attachments),
            }
        )
        attachments += [(f"demandes/{request.pk}/{a.pk}", a.file) for a in request_attachments]
    return records, attachments


def _apply(ids, *, actor, reason, counts, forget):
    attachments = list(RequestAttachment.objects.filter(request_id__in=ids))
    forget.files += [(a.file.storage, a.file.name) for a in attachments]
    message_ids = list(RequestMessage.objects.filter(request_id__in=ids).values_list("pk", flat=True))
    RequestAttachment.objects.filter(pk__in=[a.pk for a in attachments]).delete()
    RequestMessage.objects.filter(pk__in=message_ids).delete()
    history_model(RequestAttachment).objects.filter(request_id__in=ids).delete()
    history_model(RequestMessage).objects.filter(request_id__in=ids).delete()
    RequestEvent.objects.filter(request_id__in=ids).update(comment="")
    for request in Request.objects.filter(pk__in=ids):
        request.answers = {}
        request.missing_items = []
        request.decision_reason = ""
        request.citizen = None
        request.account = None
        save_tracked(request, actor, reason)
    history_model(Request).objects.filter(id__in=ids).update(
        answers={}, missing_items=[], decision_reason="", citizen_id=None, account_id=None
    )
    counts["timeline_entries_deleted"] += timeline_forget(source_type="grc_requests.request", source_ids=ids)
    counts["messages_deleted"] += len(message_ids)
    counts["attachments_deleted"] += len(attachments)
    counts["requests_anonymised"] += len(ids)
    forget.search_objects("request", ids)


REQUEST_PURPOSE = RetentionPurpose(
    key="request",
    order=20,
    default_rule=DEFAULT_RULE,
    candidates=_candidates,
    describe=_describe,
    apply=_apply,
    citizen_ids=citizen_ids_of(Request),
    export=_export,
    of_citizens=rows_of_citizens(Request),
)
