"""Records not updated for 12 months: flagged, and their editors reminded by e-mail.

Works on every model registered in ``annuaire.moderation`` that has ``updated_at`` (the annuaire's structures and
services, mednum's places). A record is stale when nobody changed it for ``STALE_AFTER``; its editors (the
registration's ``editors``, by default the structure's validated representatives, else its contact address) get
one e-mail listing all their stale records, then not again before ``REMIND_EVERY`` (``stale_reminded_at``).
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .moderation import registered
from .selectors import editors_emails

STALE_AFTER = datetime.timedelta(days=365)
REMIND_EVERY = datetime.timedelta(days=30)


def is_stale(obj, *, now: datetime.datetime | None = None) -> bool:
    """Not updated for 12 months (the flag shown on the public page and in the back office)."""
    updated = getattr(obj, "updated_at", None)
    return updated is not None and updated < (now or timezone.now()) - STALE_AFTER


def stale_queryset(model, *, now: datetime.datetime | None = None):
    """The stale records of ``model`` (which has ``updated_at``)."""
    return model.objects.filter(updated_at__lt=(now or timezone.now()) - STALE_AFTER)


def _due(model, now):
    queryset = stale_queryset(model, now=now)
    if any(f.name == "stale_reminded_at" for f in model._meta.fields):
        queryset = queryset.filter(Q(stale_reminded_at__isnull=True) | Q(stale_reminded_at__lt=now - REMIND_EVERY))
    return queryset


@transaction.atomic
def stale_reminders_send(*, now: datetime.datetime | None = None, progress=None) -> dict:
    """Send the reminders due now (e-mails after commit); returns ``{"records": n, "emails": m}``.
    ``progress(i, total)`` is called per record (the command's progress bar)."""
    now = now or timezone.now()
    by_editor: dict[str, list] = defaultdict(list)
    touched = []
    entries = [entry for entry in registered() if any(f.name == "updated_at" for f in entry.model._meta.fields)]
    records = [(entry, obj) for entry in entries for obj in _due(entry.model, now).order_by("pk")]
    for index, (entry, obj) in enumerate(records, start=1):
        emails = entry.editors(obj) if entry.editors is not None else editors_emails(obj)
        for email in emails:
            by_editor[email].append(obj)
        touched.append(obj)
        if progress is not None:
            progress(index, len(records))
    for email, objs in by_editor.items():
        lines = "\n".join(f"- {obj} ({obj._meta.verbose_name})" for obj in objs)
        body = _(
            "Bonjour,\n\nCes fiches de l'annuaire social n'ont pas été mises à jour depuis plus d'un an :\n%(lines)s"
            "\n\nMerci de les vérifier et de proposer les corrections depuis votre espace (%(url)s).\n\n"
            "L'équipe Info sociale en ligne du Département"
        ) % {"lines": lines, "url": getattr(settings, "PORTAL_BASE_URL", "") + "/annuaire/mes-structures/"}
        transaction.on_commit(
            lambda email=email, body=body: send_mail(
                _("Annuaire social : des fiches à mettre à jour"), body, None, [email]
            )
        )
    for obj in touched:
        if hasattr(obj, "stale_reminded_at"):
            # A queryset update: a reminder is not a change of the record (no history row, no date_maj).
            type(obj).objects.filter(pk=obj.pk).update(stale_reminded_at=now)
    return {"records": len(touched), "emails": len(by_editor)}
