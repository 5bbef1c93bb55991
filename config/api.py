"""The REST API (/api/v1/), assembled at the top: each app's router, one auth, one error shape.

Staff sessions with 2FA, or bearer tokens for service accounts (``grc.api_auth``); errors answered as
``grc.api_errors`` shapes them. Each app owns its endpoints in its ``api.py``; a new app adds its
router here, so no app below imports the apps above it to be part of the API.
"""

from __future__ import annotations

import functools

from django.utils.translation import gettext as _
from ninja import NinjaAPI, Swagger

import annuaire.api
import demandes.api
import dossier_unique.api
import grc.api
import mail.api
import mednum.api
import observatoire.api
import rendezvous.api
import search.api
import travail.api
import travail.letters_api
from grc.api_auth import AUTHENTICATION_REQUIRED, ServiceTokenAuth, StaffSessionAuth, schema_reader
from grc.api_errors import ERROR_SHAPES


class DepartementAPI(NinjaAPI):
    """The API, whose schema declares the 400 every operation may answer before any view runs: a body that
    is not JSON (``grc.api_errors``), a NUL or a non-UTF-8 query string
    (``grc.middleware.UnstorableInputMiddleware``)."""

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


def _staff_or_token_only(view):
    """The schema maps every endpoint and field of personal data: not for the anonymous (401, as the API)."""

    @functools.wraps(view)
    def guarded(request, *args, **kwargs):
        if schema_reader(request) is None:
            response = api.create_response(request, {"detail": _(AUTHENTICATION_REQUIRED)}, status=401)
            response["WWW-Authenticate"] = "Bearer"
            return response
        return view(request, *args, **kwargs)

    return guarded


def _error_handler(shape):
    def handle(request, exc):
        status, body = shape(exc)
        return api.create_response(request, body, status=status)

    return handle


api = DepartementAPI(
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
for exception, shape in ERROR_SHAPES.items():
    api.add_exception_handler(exception, _error_handler(shape))

# Mounted in this order: the schema lists operations in it.
api.add_router("", grc.api.router)
api.add_router("", dossier_unique.api.router)
api.add_router("", demandes.api.router)
api.add_router("", mail.api.router)
api.add_router("", rendezvous.api.router)
api.add_router("", search.api.router)
api.add_router("", observatoire.api.router)
api.add_router("", annuaire.api.router)
api.add_router("", mednum.api.router)
api.add_router("", travail.api.router)
api.add_router("", travail.letters_api.router)
