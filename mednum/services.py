"""Writes on the lieux de médiation numérique. Partners' edits go through the annuaire's moderation
(``annuaire.services.change_propose`` / ``change_publish``, with ``mednum.moderation`` registered); what is here
is the Info sociale team's own decisions: withdraw a place from the public map, or show it again; and the fill of
the map features of rows bulk-created without them (``lieu_features_fill``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from annuaire.perms import can_moderate
from grc.history import save_tracked

from .models import Lieu


@transaction.atomic
def lieu_withdraw(*, user, lieu: Lieu, reason: str) -> Lieu:
    """Take a place off the public map and API (closed, moved, duplicate), saying why; kept with its history.

    Rules: the Info sociale team only (``annuaire.perms.can_moderate``); others get a 404.
    """
    if not can_moderate(user):
        raise Http404
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Indiquez pourquoi le lieu est retiré de la carte.")})
    lieu = Lieu.objects.select_for_update().get(pk=lieu.pk)
    if not lieu.published:
        raise ValidationError(_("Ce lieu est déjà retiré de la carte."))
    lieu.published = False
    return save_tracked(lieu, user, f"retiré de la carte : {reason.strip()[:200]}")


@transaction.atomic
def lieu_restore(*, user, lieu: Lieu) -> Lieu:
    """Show a withdrawn place on the public map again. Rules: the Info sociale team only (404 otherwise)."""
    if not can_moderate(user):
        raise Http404
    lieu = Lieu.objects.select_for_update().get(pk=lieu.pk)
    if lieu.published:
        raise ValidationError(_("Ce lieu est déjà sur la carte."))
    lieu.published = True
    return save_tracked(lieu, user, "remis sur la carte")


def lieu_features_fill() -> int:
    """Write the map feature (``Lieu.feature_json``) of the rows that have none yet: rows bulk-created (the demo
    seeder) skip ``Lieu.save``. A derived column, kept out of the history (no row, no change of ``updated_at``).
    Returns how many rows were filled; a no-op query when every row has its feature."""
    missing = list(
        Lieu.objects.filter(feature_json="").select_related("commune").defer("commune__boundary").order_by("pk")
    )
    for lieu in missing:
        lieu.feature_json = lieu.feature_text()
    filled = [lieu for lieu in missing if lieu.feature_json]
    if filled:
        Lieu.objects.bulk_update(filled, ["feature_json"], batch_size=500)
    return len(filled)
