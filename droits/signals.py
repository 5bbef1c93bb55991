"""Keep one person's possible non-recours current when a request or an accompaniment of theirs changes.

Requests (``demandes``) and accompaniments (``dossier_unique``) sit below this app and know nothing of it: the
receivers are connected here, from ``DroitsConfig.ready``. They only enqueue, once the transaction commits,
the refresh of that person for the worker (which has the engine loaded), and only for a person with a current
consent: a request or accompaniment of anyone else costs one indexed query after commit and nothing more.
Saves that bypass ``save()`` (bulk updates) are caught up by the nightly rebuild.
"""

from __future__ import annotations

from django.db import transaction

from dossier_unique.models import SocialFile

from .models import EstimateConsent
from .tasks import non_recours_refresh_person


def _enqueue_if_consenting(citizen_id) -> None:
    if citizen_id and EstimateConsent.objects.filter(citizen_id=citizen_id, withdrawn_at__isnull=True).exists():
        non_recours_refresh_person.enqueue(citizen_id)


def request_saved(sender, instance, **kwargs) -> None:
    """A request was saved: refresh its citizen's possible non-recours after commit."""
    citizen_id = instance.citizen_id
    transaction.on_commit(lambda: _enqueue_if_consenting(citizen_id))


def accompaniment_saved(sender, instance, **kwargs) -> None:
    """An accompaniment was saved (opened, closed, transferred): refresh the file's citizen after commit."""
    file_id = instance.file_id
    transaction.on_commit(lambda: _enqueue_if_consenting(_citizen_of_file(file_id)))


def _citizen_of_file(file_id):
    return SocialFile.objects.filter(pk=file_id).values_list("citizen_id", flat=True).first()
