"""Reads of duplicate suspicions and merges, for the identity mediators only.

Suspicions and merges hold ids, scores and reasons; the names shown with them come from the
joined citizens, so only people who may decide them (``grc.perms.can_merge_citizens``) read
them. Others get 404. Opening a suspicion's identities goes through ``citizen_get`` (logged).
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from grc import perms
from grc.models import CitizenMerge, DuplicateSuspicion


def suspicions_for(*, user) -> QuerySet[DuplicateSuspicion]:
    if not perms.can_merge_citizens(user):
        raise Http404
    return DuplicateSuspicion.objects.select_related("citizen_a", "citizen_b", "decided_by")


def merges_for(*, user) -> QuerySet[CitizenMerge]:
    if not perms.can_merge_citizens(user):
        raise Http404
    return CitizenMerge.objects.select_related("source", "target", "actor", "undone_by")


def suspicion_get(*, user, pk) -> DuplicateSuspicion:
    try:
        return suspicions_for(user=user).get(pk=pk)
    except (DuplicateSuspicion.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def merge_get(*, user, pk) -> CitizenMerge:
    try:
        return merges_for(user=user).get(pk=pk)
    except (CitizenMerge.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
