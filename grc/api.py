"""The REST API (/api/v1/): staff sessions with 2FA, or bearer tokens for service accounts.

Reads go through ``grc.selectors`` (permission-filtered, access-logged), writes through
``grc.services``. Errors keep django-ninja's shape: ``{"detail": "..."}`` or, for invalid input,
422 ``{"detail": [{"type", "loc", "msg"}]}`` with French messages, whether pydantic or a service
(Django ``ValidationError``) refused the value. A citizen the caller may not read is a 404.
"""

from __future__ import annotations

import functools

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import NinjaAPI, Query, Status, Swagger
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from grc import perms
from grc.audit.models import AccessLog
from grc.audit.services import access_log_write
from grc.models import ApiToken
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
    ValidationErrorOut,
)
from grc.selectors import citizens as citizen_selectors
from grc.selectors import identity as identity_selectors
from grc.services import citizens as citizen_services
from grc.services import merge as merge_services


class StaffSessionAuth(SessionAuth):
    """A logged-in staff member who passed the second factor, on a request carrying its CSRF token.

    A request with an ``Authorization`` header is judged by its token alone (``ServiceTokenAuth``):
    a page of another site cannot make a browser send that header, so no CSRF check is needed there,
    and a scanning station has no CSRF cookie to send. ninja's own ``SessionAuth`` checks CSRF before
    it knows who is calling and raises, which refused every token write (403) when it came first.
    The session is judged first, then CSRF: an anonymous write is a 401, a forged one a 403.
    """

    def __call__(self, request):
        if "authorization" in request.headers:
            return None
        user = self.authenticate(request, None)
        if user is None:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request) is not None:
            raise PermissionDenied(
                _("Jeton CSRF absent ou invalide : envoyez le cookie csrftoken dans l'en-tête X-CSRFToken.")
            )
        return user

    def authenticate(self, request, key):
        user = request.user
        if user.is_authenticated and user.is_staff and user.is_verified():
            return user
        return None


class ServiceTokenAuth(HttpBearer):
    """``Authorization: Bearer <token>`` for a service account; tokens are stored hashed."""

    def authenticate(self, request, token):
        api_token = (
            ApiToken.objects.select_related("user")
            .filter(token_hash=ApiToken.hash(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if api_token is None:
            return None
        now = timezone.now()
        if api_token.last_used_at is None or (now - api_token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        request.user = api_token.user
        return api_token.user


def _schema_reader(request):
    """Who may read the schema and its docs page: a valid token, or a staff session with 2FA (a GET: no CSRF)."""
    if "authorization" in request.headers:
        return ServiceTokenAuth()(request)
    return StaffSessionAuth().authenticate(request, None)


def _staff_or_token_only(view):
    """The schema maps every endpoint and field of personal data: not for the anonymous (401, as the API)."""

    @functools.wraps(view)
    def guarded(request, *args, **kwargs):
        if _schema_reader(request) is None:
            response = api.create_response(request, {"detail": _(AUTHENTICATION_REQUIRED)}, status=401)
            response["WWW-Authenticate"] = "Bearer"
            return response
        return view(request, *args, **kwargs)

    return guarded


AUTHENTICATION_REQUIRED = gettext_noop(
    "Authentification requise : session d'agent avec double authentification, ou jeton d'API."
)


class GrcAPI(NinjaAPI):
    """The API, whose schema declares the 400 every operation may answer before any view runs: a body that
    is not JSON (``_http_error``), a NUL or a non-UTF-8 query string (``grc.middleware.UnstorableInputMiddleware``)."""

    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        unreadable = {
            "description": "Requête illisible",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MessageOut"}}},
        }
        for methods in schema["paths"].values():
            for operation in methods.values():
                operation["responses"].setdefault(400, unreadable)
        return schema


api = GrcAPI(
    title="GRC — API",
    version="1.0.0",
    description="API du référentiel usagers et du dossier social unique.",
    auth=[ServiceTokenAuth(), StaffSessionAuth()],
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    # Swagger UI from ninja's own static files (no CDN; the page runs under the site's CSP), and no
    # call to the public online validator: the schema does not leave the Département.
    docs=Swagger(settings={"validatorUrl": None}),
    docs_decorator=_staff_or_token_only,
)

API_PURPOSE = "API"
READ_ERRORS = {401: MessageOut, 404: MessageOut, 422: ValidationErrorOut}
WRITE_ERRORS = {401: MessageOut, 403: MessageOut, 404: MessageOut, 409: MessageOut, 422: ValidationErrorOut}


# -- errors -------------------------------------------------------------------------------------


def _pydantic_message(error: dict) -> str:
    """A French message for one pydantic error (the English one is for developers, not agents)."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    messages = {
        "missing": _("Ce champ est obligatoire."),
        "extra_forbidden": _("Champ inconnu."),
        "string_type": _("Une chaîne de caractères est attendue."),
        "string_too_short": _("Ce champ ne peut pas être vide."),
        "int_type": _("Un nombre entier est attendu."),
        "int_parsing": _("Un nombre entier est attendu."),
        "int_from_float": _("Un nombre entier est attendu."),
        "bool_type": _("Une valeur vrai/faux est attendue."),
        "bool_parsing": _("Une valeur vrai/faux est attendue."),
        "date_type": _("Date invalide (format attendu : AAAA-MM-JJ)."),
        "date_parsing": _("Date invalide (format attendu : AAAA-MM-JJ)."),
        "date_from_datetime_parsing": _("Date invalide (format attendu : AAAA-MM-JJ)."),
        "date_from_datetime_inexact": _("Date invalide (format attendu : AAAA-MM-JJ)."),
        "dict_type": _("Un objet JSON est attendu."),
        "model_type": _("Un objet JSON est attendu."),
        "model_attributes_type": _("Un objet JSON est attendu."),
        "list_type": _("Une liste est attendue."),
        "json_invalid": _("JSON invalide."),
    }
    if kind in messages:
        return messages[kind]
    if kind == "string_too_long":
        return _("Au plus %(max)s caractères.") % {"max": ctx.get("max_length")}
    if kind == "too_long":
        return _("Au plus %(max)s éléments.") % {"max": ctx.get("max_length")}
    if kind == "greater_than_equal":
        return _("La valeur doit être au moins %(min)s.") % {"min": ctx.get("ge")}
    if kind == "less_than_equal":
        return _("La valeur doit être au plus %(max)s.") % {"max": ctx.get("le")}
    if kind in {"literal_error", "enum"}:
        return _("Valeur non autorisée ; valeurs possibles : %(expected)s.") % {"expected": ctx.get("expected", "")}
    if kind == "value_error" and ctx.get("error"):
        return str(ctx["error"])
    return _("Valeur invalide.")


def _public_loc(loc) -> list:
    """``("body", "payload", "nir")`` → ``["body", "nir"]``: the parameter name is ours, not the client's."""
    loc = list(loc)
    if len(loc) >= 2 and loc[0] == "body" and loc[1] == "payload":
        del loc[1]
    return loc


@api.exception_handler(NinjaValidationError)
def _invalid_input(request, exc: NinjaValidationError):
    detail = [
        {"type": error.get("type", ""), "loc": _public_loc(error["loc"]), "msg": _pydantic_message(error)}
        for error in exc.errors
    ]
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(DjangoValidationError)
def _refused_by_service(request, exc: DjangoValidationError):
    detail = []
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            loc = ["body"] if field == NON_FIELD_ERRORS else ["body", field]
            for error in errors:
                detail.extend({"type": error.code or "invalid", "loc": loc, "msg": msg} for msg in error.messages)
    else:
        for error in exc.error_list:
            detail.extend({"type": error.code or "invalid", "loc": ["body"], "msg": msg} for msg in error.messages)
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc: PermissionDenied):
    message = str(exc) or _("Vous n'avez pas le droit de faire cela.")
    return api.create_response(request, {"detail": message}, status=403)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, {"detail": _("Introuvable.")}, status=404)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    messages = {
        400: _("Requête illisible : un corps JSON valide est attendu."),
        401: _(AUTHENTICATION_REQUIRED),
        403: _("Accès refusé."),
    }
    return api.create_response(request, {"detail": messages.get(exc.status_code, str(exc))}, status=exc.status_code)


def _require(allowed: bool, *, can_read: bool) -> None:
    """Refuse without a hint: 404 to who may not even read, 403 to who may read but not do this."""
    if not allowed:
        if not can_read:
            raise Http404
        raise PermissionDenied(_("Vous n'avez pas le droit de faire cela."))


def _candidates(candidates) -> list[dict]:
    return [{"id": c.citizen_id, "score": c.score, "reasons": list(c.reasons)} for c in candidates]


# -- citizens -----------------------------------------------------------------------------------


@api.get("/citizens", response={200: list[CitizenSummaryOut], **READ_ERRORS}, tags=["usagers"])
def citizens_search(request, filters: Query[SearchQuery]):
    """Search citizens by name (typos tolerated) and/or birth date, best first."""
    if not perms.can_search_citizens(request.auth):
        raise PermissionDenied(_("Vous n'avez pas accès au référentiel usagers."))
    hits = citizen_selectors.citizens_search(
        user=request.auth, query=filters.q, birth_date=filters.birth_date, limit=filters.limit, request=request
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


@api.post("/citizens", response={201: CitizenCreatedOut, **WRITE_ERRORS}, tags=["usagers"])
def citizen_create(request, payload: CitizenCreateIn):
    """Create a citizen; the answer lists existing records that may be the same person."""
    from grc import matching

    user = request.auth
    _require(perms.can_edit_citizen(user, None), can_read=True)
    data = payload.model_dump(exclude={"address", "contacts"})
    citizen = citizen_services.citizen_create(
        actor=user,
        address=payload.address.model_dump() if payload.address else None,
        contacts=[contact.model_dump() for contact in payload.contacts],
        **data,
    )
    candidates = matching.match(matching.IdentityQuery.from_citizen(citizen), exclude_ids=(citizen.pk,))
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


@api.post("/citizens/match", response={200: MatchOut, **READ_ERRORS, 403: MessageOut}, tags=["usagers"])
def citizens_match(request, payload: IdentityQueryIn):
    """Records that may be this identity, best first, each with a score (0..1) and its reasons."""
    from grc import matching

    user = request.auth
    if not perms.can_search_citizens(user):
        raise PermissionDenied(_("Vous n'avez pas accès au référentiel usagers."))
    query = matching.IdentityQuery(**payload.model_dump(exclude={"limit"}))
    candidates = matching.match(query, limit=payload.limit)
    access_log_write(
        actor=user,
        action=AccessLog.Action.CITIZEN_MATCH,
        request=request,
        purpose=f"API : {len(candidates)} candidat(s)",
    )
    return {"candidates": _candidates(candidates)}


@api.get("/citizens/{int:citizen_id}", response={200: CitizenOut, **READ_ERRORS}, tags=["usagers"])
def citizen_read(request, citizen_id: ObjectId):
    """A citizen's identity, current addresses and contacts; a merged record gives ``merged_into``."""
    return citizen_selectors.citizen_get(
        user=request.auth, pk=citizen_id, request=request, purpose=API_PURPOSE, action=AccessLog.Action.API_READ
    )


@api.patch("/citizens/{int:citizen_id}", response={200: CitizenOut, **WRITE_ERRORS}, tags=["usagers"])
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


@api.post("/citizens/{int:citizen_id}/merge", response={201: MergeOut, **WRITE_ERRORS}, tags=["fusions"])
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


@api.post("/merges/{int:merge_id}/undo", response={200: MergeOut, **WRITE_ERRORS}, tags=["fusions"])
def merge_undo(request, merge_id: ObjectId, payload: UndoIn):
    """Undo a merge: the merged record is active again and gets back everything that was moved."""
    user = request.auth
    _require(perms.can_merge_citizens(user), can_read=perms.can_search_citizens(user))
    merge = identity_selectors.merge_get(user=user, pk=merge_id)
    return merge_services.merge_undo(merge=merge, actor=user, reason=payload.reason)


# By import path: ``dossier_unique.api`` imports from ``grc`` and must not be imported by it at load time.
api.add_router("", "dossier_unique.api.router")
api.add_router("", "demandes.api.router")
api.add_router("", "mail.api.router")
api.add_router("", "search.api.router")
