"""Reads of the citizen reference. Each takes the user, checks ``grc.perms`` and logs the access.

Nothing outside this module does ``Citizen.objects.get()``: a citizen the user may not read
raises ``Http404``, with no hint that it exists.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import Http404

from grc import perms
from grc.audit.models import AccessLog
from grc.audit.services import access_log_write
from grc.matching.candidates import match
from grc.matching.search import search_citizens
from grc.models import Citizen, HouseholdMembership


def citizen_get(*, user, pk, request=None, purpose: str = "", action: str = AccessLog.Action.CITIZEN_VIEW) -> Citizen:
    """One citizen with addresses, contacts and households, logged as a read of personal data."""
    if not perms.can_search_citizens(user):
        raise Http404
    try:
        citizen = (
            Citizen.objects.select_related("merged_into", "user")
            .prefetch_related(
                "addresses",
                "contact_points",
                Prefetch(
                    "household_memberships",
                    queryset=HouseholdMembership.objects.select_related("household").prefetch_related(
                        Prefetch(
                            "household__memberships",
                            queryset=HouseholdMembership.objects.select_related("citizen"),
                        )
                    ),
                ),
            )
            .get(pk=pk)
        )
    except (Citizen.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not perms.can_view_citizen(user, citizen):
        raise Http404
    access_log_write(actor=user, action=action, citizen=citizen, obj=citizen, request=request, purpose=purpose)
    return citizen


def citizen_history(*, user, pk, request=None) -> tuple[Citizen, list]:
    """A citizen and the change history of it and its addresses, contacts and household memberships.

    Newest first; one access-log row (action ``citizen.history``) for the whole page.
    """
    citizen = citizen_get(user=user, pk=pk, request=request, action=AccessLog.Action.CITIZEN_HISTORY_VIEW)
    records = list(citizen.history.select_related("history_user").order_by("-history_date"))
    for related in ("addresses", "contact_points", "household_memberships"):
        model = getattr(Citizen, related).rel.related_model
        records += list(
            model.history.filter(citizen_id=citizen.pk).select_related("history_user").order_by("-history_date")
        )
    records.sort(key=lambda r: r.history_date, reverse=True)
    return citizen, records


def citizens_search(
    *,
    user,
    query: str = "",
    birth_date=None,
    birth_year: int | None = None,
    commune=None,
    limit: int = 25,
    request=None,
    include_merged: bool = False,
) -> list:
    """Citizens matching a free-text name (typos tolerated) and/or a birth date, best first; those born in
    ``birth_year`` and those living in ``commune`` (a ``grc.Commune``, optional) a little higher.

    Returns ``grc.matching.search.SearchHit`` items (citizen + score). The search itself is logged
    once (action ``citizen.search``) without the query text; opening a result is logged by
    ``citizen_get``.
    """
    if not perms.can_search_citizens(user):
        raise Http404
    hits = search_citizens(
        query=query,
        birth_date=birth_date,
        birth_year=birth_year,
        commune=commune,
        limit=limit,
        include_merged=include_merged,
    )
    access_log_write(
        actor=user, action=AccessLog.Action.CITIZEN_SEARCH, request=request, purpose=f"{len(hits)} résultat(s)"
    )
    return hits


def citizens_matching(*, user, query, request=None, purpose: str = "", exclude_ids=()) -> list[tuple[Citizen, object]]:
    """Active citizens who may be the person ``query`` describes, with their ``grc.matching.candidates.Candidate``.

    Best first, addresses prefetched. Showing them is a read of identities: one access-log row
    (action ``citizen.match``) when any is returned.
    """
    if not perms.can_search_citizens(user):
        raise Http404
    candidates = match(query, exclude_ids=exclude_ids)
    citizens = Citizen.objects.prefetch_related("addresses").in_bulk([c.citizen_id for c in candidates])
    found = [
        (citizens[c.citizen_id], c)
        for c in candidates
        if c.citizen_id in citizens and not citizens[c.citizen_id].is_merged
    ]
    if found:
        access_log_write(
            actor=user,
            action=AccessLog.Action.CITIZEN_MATCH,
            request=request,
            purpose=(purpose or "rapprochement") + f" : {len(found)} candidat(s)",
        )
    return found


def citizen_households(*, user, citizen_id) -> list[HouseholdMembership]:
    """A citizen's current households with their current members (two queries).

    Not logged by itself: callers show it on a page whose read is already logged (the citizen
    page, a social file page) — one access-log row per page, not per query.
    """
    if not perms.can_view_citizen(user, None):
        raise Http404
    return list(
        HouseholdMembership.objects.filter(citizen_id=citizen_id, end_date__isnull=True)
        .select_related("household")
        .prefetch_related(
            Prefetch(
                "household__memberships",
                queryset=HouseholdMembership.objects.filter(end_date__isnull=True)
                .select_related("citizen")
                .order_by("pk"),
            )
        )
    )
