"""grc's endpoints of the API (/api/v1/): citizens (search, create, read, update), identity matching, merges.

Reads go through ``grc.selectors`` (permission-filtered, access-logged), writes through
``grc.services``. A citizen the caller may not read is a 404. The API itself (auth, error shapes,
docs) is assembled in ``config.api``, which mounts this router with the other apps' ones.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from grc import perms
from grc.api_errors import READ_ERRORS, WRITE_ERRORS
from grc.audit.models import AccessLog
from grc.audit.services import access_log_write
from grc.matching.candidates import IdentityQuery, match
from grc.schemas import (
    CitizenCreatedOut,
    CitizenCreateIn,
    CitizenOut,
    CitizenSummaryOut,
    CitizenUpdateIn,
    IdentityQueryIn,
    MatchOut,
    MergeIn,
    MergeOut,
    MessageOut,
    ObjectId,
    SearchQuery,
    UndoIn,
)
from grc.selectors import citizens as citizen_selectors
from grc.selectors import identity as identity_selectors
from grc.selectors.communes import commune_resolve
from grc.services import citizens as citizen_services
from grc.services import merge as merge_services

router = Router()

API_PURPOSE = "API"


def _require(allowed: bool, *, can_read: bool) -> None:
    """Refuse without a hint: 404 to who may not even read, 403 to who may read but not do this."""
    if not allowed:
        if not can_read:
            raise Http404
        raise PermissionDenied(_("Vous n'avez pas le droit de faire cela."))


def _candidates(candidates) -> list[dict]:
    return [{"id": c.citizen_id, "score": c.score, "reasons": list(c.reasons)} for c in candidates]


# -- citizens -----------------------------------------------------------------------------------


@router.get("/citizens", response={200: list[CitizenSummaryOut], **READ_ERRORS}, tags=["usagers"])
def citizens_search(request, filters: Query[SearchQuery]):
    """Search citizens by name (typos tolerated) and/or birth date, best first; with a birth year, or a commune
    (INSEE code, postcode or name), those born that year or living there rank a little higher."""
    if not perms.can_search_citizens(request.auth):
        raise PermissionDenied(_("Vous n'avez pas accès au référentiel usagers."))
    commune = commune_resolve(filters.commune)
    if filters.commune.strip() and commune is None:
        raise DjangoValidationError(
            {"commune": _("Commune inconnue : saisissez un code INSEE, un code postal ou le nom d'une commune.")}
        )
    hits = citizen_selectors.citizens_search(
        user=request.auth,
        query=filters.q,
        birth_date=filters.birth_date,
        birth_year=filters.birth_year,
        commune=commune,
        limit=filters.limit,
        request=request,
    )
    return [
        {
            "id": hit.citizen.pk,
            "birth_name": hit.citizen.birth_name,
            "usage_name": hit.citizen.usage_name,
            "first_names": hit.citizen.first_names,
            "birth_date": hit.citizen.birth_date,
            "score": hit.score,
        }
        for hit in hits
    ]


@router.post("/citizens", response={201: CitizenCreatedOut, **WRITE_ERRORS}, tags=["usagers"])
def citizen_create(request, payload: CitizenCreateIn):
    """Create a citizen; the answer lists existing records that may be the same person."""
    user = request.auth
    _require(perms.can_edit_citizen(user, None), can_read=True)
    data = payload.model_dump(exclude={"address", "contacts"})
    citizen = citizen_services.citizen_create(
        actor=user,
        address=payload.address.model_dump() if payload.address else None,
        contacts=[contact.model_dump() for contact in payload.contacts],
        **data,
    )
    candidates = match(IdentityQuery.from_citizen(citizen), exclude_ids=(citizen.pk,))
    access_log_write(
        actor=user,
        action=AccessLog.Action.CITIZEN_MATCH,
        citizen=citizen,
        obj=citizen,
        request=request,
        purpose=f"API création : {len(candidates)} doublon(s) possible(s)",
    )
    citizen.duplicates = _candidates(candidates)
    return Status(201, citizen)


@router.post("/citizens/match", response={200: MatchOut, **READ_ERRORS, 403: MessageOut}, tags=["usagers"])
def citizens_match(request, payload: IdentityQueryIn):
    """Records that may be this identity, best first, each with a score (0..1) and its reasons."""
    user = request.auth
    if not perms.can_search_citizens(user):
        raise PermissionDenied(_("Vous n'avez pas accès au référentiel usagers."))
    query = IdentityQuery(**payload.model_dump(exclude={"limit"}))
    candidates = match(query, limit=payload.limit)
    access_log_write(
        actor=user,
        action=AccessLog.Action.CITIZEN_MATCH,
        request=request,
        purpose=f"API : {len(candidates)} candidat(s)",
    )
    return {"candidates": _candidates(candidates)}


@router.get("/citizens/{int:citizen_id}", response={200: CitizenOut, **READ_ERRORS}, tags=["usagers"])
def citizen_read(request, citizen_id: ObjectId):
    """A citizen's identity, current addresses and contacts; a merged record gives ``merged_into``."""
    return citizen_selectors.citizen_get(
        user=request.auth, pk=citizen_id, request=request, purpose=API_PURPOSE, action=AccessLog.Action.API_READ
    )


@router.patch("/citizens/{int:citizen_id}", response={200: CitizenOut, **WRITE_ERRORS}, tags=["usagers"])
def citizen_update(request, citizen_id: ObjectId, payload: CitizenUpdateIn):
    """Change identity fields (only those sent); history keeps who, when and why."""
    user = request.auth
    citizen = citizen_selectors.citizen_get(
        user=user, pk=citizen_id, request=request, purpose=API_PURPOSE, action=AccessLog.Action.API_READ
    )
    if citizen.is_merged:
        return Status(409, {"detail": _("Cet usager a été fusionné : modifiez la fiche conservée.")})
    _require(perms.can_edit_citizen(user, citizen), can_read=True)
    changes = payload.model_dump(exclude_unset=True, exclude={"reason"})
    return citizen_services.citizen_update(citizen=citizen, actor=user, reason=payload.reason, **changes)


# -- merges -------------------------------------------------------------------------------------


@router.post("/citizens/{int:citizen_id}/merge", response={201: MergeOut, **WRITE_ERRORS}, tags=["fusions"])
def citizen_merge(request, citizen_id: ObjectId, payload: MergeIn):
    """Merge this citizen (it goes away, kept as a redirect) into ``target_id`` (the survivor)."""
    user = request.auth
    _require(perms.can_merge_citizens(user), can_read=perms.can_search_citizens(user))
    purpose = f"{API_PURPOSE} fusion"
    source = citizen_selectors.citizen_get(
        user=user, pk=citizen_id, request=request, purpose=purpose, action=AccessLog.Action.API_READ
    )
    target = citizen_selectors.citizen_get(
        user=user, pk=payload.target_id, request=request, purpose=purpose, action=AccessLog.Action.API_READ
    )
    suspicion = None
    if payload.suspicion_id is not None:
        try:
            suspicion = identity_selectors.suspicion_get(user=user, pk=payload.suspicion_id)
        except Http404:
            raise DjangoValidationError({"suspicion_id": _("Suspicion de doublon introuvable.")}) from None
    merge = merge_services.citizen_merge(
        source=source,
        target=target,
        actor=user,
        reason=payload.reason,
        field_choices=payload.field_choices,
        suspicion=suspicion,
    )
    return Status(201, merge)


@router.post("/merges/{int:merge_id}/undo", response={200: MergeOut, **WRITE_ERRORS}, tags=["fusions"])
def merge_undo(request, merge_id: ObjectId, payload: UndoIn):
    """Undo a merge: the merged record is active again and gets back everything that was moved."""
    user = request.auth
    _require(perms.can_merge_citizens(user), can_read=perms.can_search_citizens(user))
    merge = identity_selectors.merge_get(user=user, pk=merge_id)
    return merge_services.merge_undo(merge=merge, actor=user, reason=payload.reason)
