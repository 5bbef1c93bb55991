"""The API's error shapes: ``{"detail": "..."}`` or, for invalid input, 422 ``{"detail": [{"type", "loc", "msg"}]}``
with French messages, whether pydantic or a service (Django ``ValidationError``) refused the value.

``ERROR_SHAPES`` maps each exception an operation may raise to its ``(status, body)``; ``config.api``
installs them as the API's exception handlers, so every app's router answers errors alike.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError

from grc.api_auth import AUTHENTICATION_REQUIRED
from grc.schemas import MessageOut, ValidationErrorOut

READ_ERRORS = {401: MessageOut, 404: MessageOut, 422: ValidationErrorOut}
WRITE_ERRORS = {401: MessageOut, 403: MessageOut, 404: MessageOut, 409: MessageOut, 422: ValidationErrorOut}


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


def _invalid_input(exc: NinjaValidationError) -> tuple[int, dict]:
    detail = [
        {"type": error.get("type", ""), "loc": _public_loc(error["loc"]), "msg": _pydantic_message(error)}
        for error in exc.errors
    ]
    return 422, {"detail": detail}


def _refused_by_service(exc: DjangoValidationError) -> tuple[int, dict]:
    detail = []
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            loc = ["body"] if field == NON_FIELD_ERRORS else ["body", field]
            for error in errors:
                detail.extend({"type": error.code or "invalid", "loc": loc, "msg": msg} for msg in error.messages)
    else:
        for error in exc.error_list:
            detail.extend({"type": error.code or "invalid", "loc": ["body"], "msg": msg} for msg in error.messages)
    return 422, {"detail": detail}


def _forbidden(exc: PermissionDenied) -> tuple[int, dict]:
    return 403, {"detail": str(exc) or _("Vous n'avez pas le droit de faire cela.")}


def _not_found(exc: Http404) -> tuple[int, dict]:
    return 404, {"detail": _("Introuvable.")}


def _http_error(exc: HttpError) -> tuple[int, dict]:
    messages = {
        400: _("Requête illisible : un corps JSON valide est attendu."),
        401: _(AUTHENTICATION_REQUIRED),
        403: _("Accès refusé."),
    }
    return exc.status_code, {"detail": messages.get(exc.status_code, str(exc))}


ERROR_SHAPES: dict[type[Exception], Callable[[Exception], tuple[int, dict]]] = {
    NinjaValidationError: _invalid_input,
    DjangoValidationError: _refused_by_service,
    PermissionDenied: _forbidden,
    Http404: _not_found,
    HttpError: _http_error,
}
