"""Recognition of incoming mail in the background worker (django-tasks, database backend).

``recognise_mail`` claims the item (status *received*, ``ocr_started_at`` stamped, ``ocr_attempts`` + 1,
under ``SELECT ... FOR UPDATE SKIP LOCKED``), runs OCR outside any transaction (renewing the claim
after each page), then writes pages, text and suggestions and sets *recognised* only if its claim
still holds. A failure or timeout sets
*manual* with a French reason; ``mail.services.mail_retry`` puts the item back to *received* and
re-enqueues it (``enqueue_recognition``, also used by reception).

Crash recovery: a worker killed mid-OCR leaves the item *received* with an old ``ocr_started_at``.
``recover_stalled_mail`` (task, and ``manage.py mail_recover``, to run every few minutes) re-enqueues
items whose claim is older than the lease (``MAIL_OCR_LEASE_SECONDS``, 10 min) and items that were
never picked up; after ``MAIL_OCR_MAX_ATTEMPTS`` interrupted attempts an item goes to *manual*.
A second task for the same item is harmless: it finds the claim taken and does nothing.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from grc.history import track
from mail import ocr
from mail.models import MailEvent, MailItem, MailPage
from mail.suggest import suggest

logger = logging.getLogger(__name__)


def lease_seconds() -> int:
    return int(getattr(settings, "MAIL_OCR_LEASE_SECONDS", 600))


def max_attempts() -> int:
    return int(getattr(settings, "MAIL_OCR_MAX_ATTEMPTS", 3))


def _claimable(now: datetime.datetime):
    expired = now - datetime.timedelta(seconds=lease_seconds())
    return Q(status=MailItem.Status.RECEIVED) & (Q(ocr_started_at__isnull=True) | Q(ocr_started_at__lt=expired))


def _claim(item_id: int) -> MailItem | None:
    """Take the item for this worker, or None if it is not waiting (done, or another worker has it)."""
    now = timezone.now()
    with transaction.atomic():
        item = MailItem.objects.select_for_update(skip_locked=True).filter(_claimable(now), pk=item_id).first()
        if item is None:
            return None
        if item.ocr_attempts >= max_attempts():
            _set_manual(
                item,
                _("La reconnaissance a été interrompue %(n)s fois : à traiter manuellement.")
                % {"n": item.ocr_attempts},
            )
            return None
        # A queryset update: the claim is bookkeeping, not a change the item's history should show.
        MailItem.objects.filter(pk=item.pk).update(ocr_started_at=now, ocr_attempts=item.ocr_attempts + 1)
        item.ocr_started_at, item.ocr_attempts = now, item.ocr_attempts + 1
        return item


def _set_manual(item: MailItem, reason: str) -> None:
    item.status = MailItem.Status.MANUAL
    item.failure_reason = reason[:255]
    item.ocr_started_at = None
    track(item, None, _("Reconnaissance en échec")).save(update_fields=["status", "failure_reason", "ocr_started_at"])
    MailEvent.objects.create(item=item, kind=MailEvent.Kind.RECOGNITION_FAILED, comment=item.failure_reason)


def _still_ours(item: MailItem) -> MailItem | None:
    """The item locked, if our claim still holds (no other worker took over after the lease)."""
    current = MailItem.objects.select_for_update().get(pk=item.pk)
    if current.status != MailItem.Status.RECEIVED or current.ocr_started_at != item.ocr_started_at:
        return None
    return current


def _suggestions(item: MailItem) -> dict:
    try:
        return suggest(item) or {}
    except Exception:  # suggestions help the agent; their failure must not lose the recognised text
        logger.exception("mail %s: suggestions failed", item.pk)
        return {}


def recognise(item_id: int) -> str:
    """Recognise one item; returns what happened ("recognised", "manual", "skipped", "superseded")."""
    item = _claim(item_id)
    if item is None:
        return "skipped"

    def renew(page):
        """The claim is a lease: renewed after each page, so a long document is not taken for a dead one."""
        now = timezone.now()
        renewed = MailItem.objects.filter(
            pk=item.pk, status=MailItem.Status.RECEIVED, ocr_started_at=item.ocr_started_at
        ).update(ocr_started_at=now)
        if not renewed:
            raise ocr.ClaimLost
        item.ocr_started_at = now

    try:
        with item.original.open("rb") as original:
            data = original.read()
        document = ocr.read_document(data, item.content_type, on_page=renew)
    except ocr.ClaimLost:
        return "superseded"
    except (ocr.OcrError, OSError) as exc:
        reason = exc.reason if isinstance(exc, ocr.OcrError) else _("Le fichier numérisé est introuvable.")
        logger.warning("mail %s: recognition failed (%s)", item.pk, type(exc).__name__)
        with transaction.atomic():
            current = _still_ours(item)
            if current is None:
                return "superseded"
            _set_manual(current, reason)
        return "manual"
    except Exception:
        logger.exception("mail %s: recognition crashed", item.pk)
        with transaction.atomic():
            current = _still_ours(item)
            if current is not None:
                _set_manual(current, _("Erreur inattendue pendant la reconnaissance."))
        return "manual"

    item.ocr_text = document.text
    item.ocr_confidence = document.confidence
    suggestions = _suggestions(item)
    with transaction.atomic():
        current = _still_ours(item)
        if current is None:
            return "superseded"
        MailPage.objects.filter(item=current).delete()
        MailPage.objects.bulk_create(
            MailPage(item=current, number=page.number, text=page.text, confidence=page.confidence)
            for page in document.pages
        )
        current.ocr_text = document.text
        current.ocr_confidence = document.confidence
        current.suggestions = suggestions
        if not current.sender and suggestions.get("sender"):
            current.sender = str(suggestions["sender"])[:255]
        current.page_count = len(document.pages) or current.page_count
        current.status = MailItem.Status.RECOGNISED
        current.recognised_at = timezone.now()
        current.failure_reason = ""
        track(current, None, _("Reconnaissance terminée")).save()
        MailEvent.objects.create(item=current, kind=MailEvent.Kind.RECOGNISED)
    return "recognised"


@task()
def recognise_mail(item_id: int) -> str:
    """Recognise one mail item: OCR every page, then suggestions (see the module docstring)."""
    return recognise(item_id)


def enqueue_recognition(item_id: int) -> None:
    """Put the item on the recognition queue; if that fails, ``recover_stalled_mail`` will pick it up."""
    try:
        recognise_mail.enqueue(item_id)
    except Exception:  # the item stays "received": recovery re-enqueues it
        logger.exception("mail %s: recognition could not be enqueued", item_id)


def recover_stalled(*, lease: int | None = None, now: datetime.datetime | None = None) -> dict[str, int]:
    """Re-enqueue recognitions a dead worker left behind, and those never picked up.

    Returns ``{"requeued": n, "manual": m}``. Items whose claim is older than ``lease`` seconds get
    their claim cleared (so any worker may take them) unless they used up their attempts (then
    *manual*); items *received* more than ``lease`` ago and never claimed are enqueued again.
    """
    now = now or timezone.now()
    expired = now - datetime.timedelta(seconds=lease if lease is not None else lease_seconds())
    requeue, manual = [], 0
    with transaction.atomic():
        stalled = (
            MailItem.objects.select_for_update(skip_locked=True)
            .filter(status=MailItem.Status.RECEIVED)
            .filter(Q(ocr_started_at__lt=expired) | Q(ocr_started_at__isnull=True, received_at__lt=expired))
            .order_by("received_at")
        )
        for item in stalled:
            if item.ocr_started_at is not None and item.ocr_attempts >= max_attempts():
                _set_manual(
                    item,
                    _("La reconnaissance a été interrompue %(n)s fois : à traiter manuellement.")
                    % {"n": item.ocr_attempts},
                )
                manual += 1
                continue
            if item.ocr_started_at is not None:
                MailItem.objects.filter(pk=item.pk).update(ocr_started_at=None)
            requeue.append(item.pk)
        transaction.on_commit(lambda: [enqueue_recognition(pk) for pk in requeue])
    if requeue or manual:
        logger.info("mail recovery: %s re-enqueued, %s set to manual", len(requeue), manual)
    return {"requeued": len(requeue), "manual": manual}


@task()
def recover_stalled_mail() -> dict[str, int]:
    """Periodic safety net for recognition (see ``recover_stalled``)."""
    return recover_stalled()
