"""Reads of incoming mail: permission-filtered in SQL, access-logged for one item and its scan.

``mail_items_for`` is the base queryset of every list (mailroom, team queues); lists log their own
consultation (``AccessLog.Action.MAIL_QUEUE``) where they are shown. ``mail_suggested_citizens``
is the only way to the citizens a letter's recognition suggested: it shows them as they are now and
logs each one shown.
"""

from __future__ import annotations

from django.http import Http404

from grc.audit.models import AccessLog
from grc.audit.services import access_log_write
from grc.models import Citizen
from grc.retention_registry import ANONYMISED_NAME
from mail.models import MailItem
from mail.perms import can_view_mail, mail_visible_q
from mail.suggest.citizens import citizen_label


def mail_items_for(*, user):
    """The mail items ``user`` may see (``mail.perms.can_view_mail``), newest first."""
    condition = mail_visible_q(user)
    if condition is None:
        return MailItem.objects.none()
    return MailItem.objects.filter(condition).order_by("-received_at", "-pk")


def mail_get(*, user, pk, request=None, purpose: str = "") -> MailItem:
    """One item the user may see (else ``Http404``); writes a ``MAIL_VIEW`` access-log row."""
    item = (
        mail_items_for(user=user).select_related("team", "mail_type", "citizen", "uploaded_by").filter(pk=pk).first()
    )
    if item is None:
        raise Http404
    access_log_write(
        actor=user,
        action=AccessLog.Action.MAIL_VIEW,
        citizen=item.citizen_id,
        obj=item,
        request=request,
        purpose=purpose or item.registration_number,
    )
    return item


def mail_scan_open(*, user, pk, request=None, purpose: str = ""):
    """``(item, file)``: the original scan opened for reading (else ``Http404``).

    Writes a ``MAIL_SCAN_VIEW`` access-log row. The caller closes the file (a ``FileResponse`` does).
    """
    item = mail_items_for(user=user).filter(pk=pk).first()
    if item is None:
        raise Http404
    access_log_write(
        actor=user,
        action=AccessLog.Action.MAIL_SCAN_VIEW,
        citizen=item.citizen_id,
        obj=item,
        request=request,
        purpose=purpose or item.registration_number,
    )
    return item, item.original.open("rb")


def mail_suggested_citizens(*, user, item: MailItem, request=None) -> list[dict]:
    """The citizens recognition suggested for ``item``, as they are now, best first.

    ``[{"id", "label", "score", "reasons"}]``. The stored suggestions are ids with the label of
    the day the letter was read; what is shown comes from the citizen's current record: a renamed
    person under the new name, a merged record as the surviving one (once), an anonymised person
    (retention, erasure) not at all. Each person shown is a read of an identity by someone who may
    not see their file: one ``citizen.match`` access-log row per person, object the letter, so the
    person's readers in the DPO console include the mailroom agents who saw them suggested.
    ``Http404`` if ``user`` may not see the letter.
    """

    if not can_view_mail(user, item):
        raise Http404
    stored = [s for s in (item.suggestions or {}).get("citizen") or [] if isinstance(s, dict)]
    ids = {s.get("id") for s in stored if isinstance(s.get("id"), int)}
    # A merged record points straight at the survivor (a merge moves earlier redirects onto its survivor,
    # ``grc.merge_handlers``): one join, no chain to follow.
    citizens = Citizen.objects.select_related("merged_into").in_bulk(ids) if ids else {}
    rows, seen = [], set()
    for suggestion in stored:
        citizen = citizens.get(suggestion.get("id"))
        if citizen is not None and citizen.is_merged:
            citizen = citizen.merged_into
        if citizen is None or citizen.is_merged or citizen.pk in seen or citizen.birth_name == ANONYMISED_NAME:
            continue
        seen.add(citizen.pk)
        reasons = [str(r) for r in suggestion.get("reasons") or []]
        if citizen.pk != suggestion.get("id"):
            reasons.append("Dossier fusionné : fiche conservée")
        rows.append(
            {"id": citizen.pk, "label": citizen_label(citizen), "score": suggestion.get("score"), "reasons": reasons}
        )
    for row in rows:
        access_log_write(
            actor=user,
            action=AccessLog.Action.CITIZEN_MATCH,
            citizen=row["id"],
            obj=item,
            request=request,
            purpose=f"suggestion pour le courrier {item.registration_number}",
        )
    return rows
