"""Reads of the GDPR register and of retention runs (DPO only; anyone else gets 404), and a citizen's own
register entries for Mon espace."""

from __future__ import annotations

from django.db.models import BooleanField, Case, ExpressionWrapper, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404

from demandes.perms import is_citizen_account
from dossier_unique.models import Document, Note, Visibility
from grc.audit.models import AccessLog
from grc.audit.services import access_log_write
from grc.perms import require_dpo
from grc.person_data_registry import person_ids
from mail.models import MailItem

from .models import GdprRequest, RetentionExport, RetentionRule, RetentionRun
from .person_data import CITIZEN, collect_person_data
from .person_data.citizen import citizen_payload


def gdpr_requests_for(*, user, include_closed: bool = False):
    """The register, open requests first, then by the deadline in force (late first), newest closed last;
    ``from_portal_account`` marks the entries opened by a portal account deletion request."""
    require_dpo(user)
    queryset = GdprRequest.objects.select_related("owner").annotate(
        due=Coalesce("extended_deadline", "deadline"),
        # Entries opened by a citizen's portal account deletion request (the link lives on the portal side).
        from_portal_account=ExpressionWrapper(Q(account_deletion__isnull=False), output_field=BooleanField()),
        open_rank=Case(
            When(status__in=GdprRequest.OPEN_STATUSES, then=Value(0)), default=Value(1), output_field=IntegerField()
        ),
    )
    if not include_closed:
        queryset = queryset.filter(status__in=GdprRequest.OPEN_STATUSES)
    return queryset.order_by("open_rank", "due", "pk")


def my_gdpr_requests(*, user):
    """A citizen's own register entries, filed from their portal account, newest first (for Mon espace).

    Only the account's own entries (``portal_account``), whatever citizen record they were matched to;
    staff and anonymous users get none. Like the list of one's own requests, reading it is not logged: it
    shows the reference, right, dates and status, never the details written or the DPO's notes.
    """
    if not is_citizen_account(user):
        return GdprRequest.objects.none()
    return (
        GdprRequest.objects.filter(portal_account=user)
        .only("pk", "reference", "kind", "received_on", "deadline", "extended_deadline", "status", "answered_on")
        .order_by("-received_on", "-pk")
    )


def gdpr_request_get(*, user, pk: int, request=None) -> GdprRequest:
    """One request of the register; when it names a citizen, the read is logged for that citizen."""
    require_dpo(user)
    gdpr_request = GdprRequest.objects.select_related("citizen", "owner", "archive").filter(pk=pk).first()
    if gdpr_request is None:
        raise Http404
    if gdpr_request.citizen_id:
        access_log_write(
            actor=user,
            action=AccessLog.Action.CITIZEN_VIEW,
            citizen=gdpr_request.citizen_id,
            obj=gdpr_request,
            purpose=f"registre des demandes RGPD {gdpr_request.reference}",
            request=request,
        )
    return gdpr_request


def retention_rules_for(*, user):
    require_dpo(user)
    return RetentionRule.objects.all()


def retention_rule_get(*, user, pk: int) -> RetentionRule:
    require_dpo(user)
    rule = RetentionRule.objects.filter(pk=pk).first()
    if rule is None:
        raise Http404
    return rule


def retention_runs_for(*, user, limit: int = 30):
    require_dpo(user)
    return RetentionRun.objects.select_related("rule", "actor").order_by("-started_at")[:limit]


def retention_run_get(*, user, pk: int) -> RetentionRun:
    require_dpo(user)
    run = RetentionRun.objects.select_related("rule", "actor").filter(pk=pk).first()
    if run is None:
        raise Http404
    return run


def retention_export_for_download(*, user, pk: int, request=None) -> RetentionExport:
    """A batch exported for the Archives départementales, downloaded by the DPO (logged ``export``)."""
    require_dpo(user)
    export = RetentionExport.objects.select_related("run__rule").filter(pk=pk).first()
    if export is None:
        raise Http404
    access_log_write(
        actor=user,
        action=AccessLog.Action.EXPORT,
        obj=export,
        purpose="téléchargement d'un versement aux Archives départementales",
        request=request,
    )
    return export


def archive_review_items(*, user, citizen_id: int, request=None) -> tuple[list, list, list]:
    """The notes (file and team visibility; private notes are never communicated) and documents of the
    citizen's social files, and their letters, with their withholding flag, for the DPO to review before
    an archive.

    Logged once as a read of the file's notes for that citizen.
    """
    require_dpo(user)
    ids = person_ids(citizen_id)
    notes = list(
        Note.objects.filter(file__citizen_id__in=ids)
        .exclude(visibility=Visibility.PRIVATE)
        .select_related("withholding", "team")
        .order_by("-created_at")
    )
    documents = list(
        Document.objects.filter(file__citizen_id__in=ids).select_related("withholding").order_by("-uploaded_at")
    )
    letters = list(MailItem.objects.filter(citizen_id__in=ids).select_related("withholding").order_by("-received_at"))
    if notes or documents or letters:
        access_log_write(
            actor=user,
            action=AccessLog.Action.FILE_NOTES,
            citizen=citizen_id,
            purpose="préparation d'une archive de droit d'accès (tiers)",
            request=request,
        )
    return notes, documents, letters


def my_data(*, user, http_request=None) -> dict:
    """Everything the citizen may see about themselves ("Mes données"), as plain JSON-ready data: the
    collector's citizen sections (``privacy.person_data``): identity, addresses, contact points, households
    (other members by name and role under the third-party rule), requests with their answers, visible
    status history, messages and attachment names. Logs the download (``CITIZEN_DATA_DOWNLOAD``)."""
    citizen = getattr(user, "citizen", None)
    data, _files = collect_person_data(citizen=citizen, account=user, audience=CITIZEN)
    access_log_write(
        actor=user,
        action=AccessLog.Action.CITIZEN_DATA_DOWNLOAD,
        citizen=citizen,
        object_type="grc.citizen" if citizen else "grc.user",
        object_id=citizen.pk if citizen else user.pk,
        request=http_request,
    )
    return citizen_payload(data=data, user=user)
