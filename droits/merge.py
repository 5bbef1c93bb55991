"""What a citizen merge does to rights estimates (registered from ``apps.py``; not counted in the preview).

- saved estimates move to the survivor (their timeline entries move with the social file's handler);
- consents move to the survivor; when both records hold a current consent, the loser's is closed (dated
  withdrawal "fusion") first, since a person has one current consent at most;
- the recorded situation moves when the survivor has none (else the survivor's stays the one used);
- the loser's possible non-recours go (the survivor's are recomputed by the worker after commit).

Undo moves back the estimates, consents and situation still on the survivor; a consent closed by the merge
stays closed (the agent records it again if the person still agrees).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from grc.history import save_tracked
from grc.merge_handlers import foreign_key_handler
from grc.merge_registry import MergeHandler

from .models import EstimateConsent, NonRecours, RecordedSituation, RightsEstimate
from .tasks import non_recours_refresh_person

_ESTIMATES = foreign_key_handler("rights_estimates", RightsEstimate, key="rights_estimates", counted=False)
_CONSENTS = foreign_key_handler("rights_consents", EstimateConsent, key="rights_consents", counted=False)


def _move(*, source, target, actor):
    reason = f"fusion de l'usager n° {source.pk} dans l'usager n° {target.pk}"
    if EstimateConsent.objects.filter(citizen=target, withdrawn_at__isnull=True).exists():
        for consent in EstimateConsent.objects.filter(citizen=source, withdrawn_at__isnull=True):
            consent.withdrawn_at, consent.withdrawn_by = timezone.now(), actor
            save_tracked(consent, actor, reason)
    moved = {**_ESTIMATES.move(source=source, target=target, actor=actor)}
    moved.update(_CONSENTS.move(source=source, target=target, actor=actor))
    situation = RecordedSituation.objects.filter(citizen=source).first()
    if situation is not None and not RecordedSituation.objects.filter(citizen=target).exists():
        situation.citizen = target
        save_tracked(situation, actor, reason)
        moved["rights_situation"] = situation.pk
    NonRecours.objects.filter(citizen=source).delete()
    target_id = target.pk
    transaction.on_commit(lambda: non_recours_refresh_person.enqueue(target_id))
    return moved


def _restore(*, source, target, moved, actor):
    moved = moved or {}
    _ESTIMATES.restore(source=source, target=target, moved=moved, actor=actor)
    _CONSENTS.restore(source=source, target=target, moved=moved, actor=actor)
    situation = RecordedSituation.objects.filter(pk=moved.get("rights_situation") or 0, citizen=target).first()
    if situation is not None:
        situation.citizen = source
        save_tracked(situation, actor, f"annulation de la fusion de l'usager n° {source.pk}")


RIGHTS_HANDLER = MergeHandler(name="droits", move=_move, restore=_restore)
