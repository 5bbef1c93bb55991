"""Cross-cutting request handling: client address, request ids, input that cannot be stored, login by default,
staff 2FA and session limits."""

import ipaddress
import logging
import re
import time
import uuid
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp import devices_for_user

logger = logging.getLogger(__name__)

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

# Paths that authenticate by themselves (the API checks its session or bearer token on every
# operation) or that are not pages at all.
SELF_AUTHENTICATING_PREFIXES = ("/api/", "/static/")

# Paths a logged-in staff member may reach before passing the second factor.
OTP_EXEMPT_URL_NAMES = {"backoffice:otp_verify", "backoffice:otp_setup", "logout", "login"}

STAFF_ONLY_PREFIXES = ("/backoffice/", "/cms/", "/django-admin/")

SESSION_LOGIN_AT = "_grc_login_at"
SESSION_LAST_SEEN = "_grc_last_seen"
LAST_SEEN_RESOLUTION_SECONDS = 60


class ClientAddressMiddleware:
    """Behind ``TRUSTED_PROXY_COUNT`` reverse proxies, the client's address is the one the outermost
    of them appended to ``X-Forwarded-For`` (entries before it are whatever the client sent, and are
    ignored); ``REMOTE_ADDR`` is set to it for everything after (access log, login lockouts, form
    limits). With 0 (the default), ``X-Forwarded-For`` is never read: a client could forge it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = settings.TRUSTED_PROXY_COUNT
        if count > 0:
            entries = [e.strip() for e in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if e.strip()]
            if len(entries) >= count:
                candidate = entries[-count]
                try:
                    request.META["REMOTE_ADDR"] = str(ipaddress.ip_address(candidate))
                except ValueError:
                    pass
        return self.get_response(request)


class RequestIdMiddleware:
    """Give every request an id (kept from X-Request-ID when sane) for logs and the access log."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_nul(values):
    return any("\x00" in value for value in values)


def unstorable_input(request):
    """Where ``request`` carries text PostgreSQL cannot store or compare (None if nowhere): a NUL character in
    the path, the query string, a form field (name or value), an uploaded file's name or a cookie, or bytes
    that are not UTF-8 in the query string.

    PostgreSQL text cannot hold NUL: any query given one fails with a DataError, a 500 wherever it reaches a
    lookup (an id, a tracking code, a search, a session key). Django decodes a query string that is not UTF-8
    with replacement characters, so a value would silently differ from what was sent; both are refused here,
    once, before any view, instead of in each view.
    """
    if "\x00" in request.path_info:
        return "path"
    raw_query = request.META.get("QUERY_STRING", "")
    if raw_query:
        try:
            unquote_to_bytes(raw_query.replace("+", " ")).decode("utf-8")
        except UnicodeDecodeError:
            return "query string encoding"
        if _has_nul(request.GET.keys()) or any(_has_nul(values) for _key, values in request.GET.lists()):
            return "query string"
    if _has_nul(request.COOKIES.keys()) or _has_nul(request.COOKIES.values()):
        return "cookie"
    if request.method in ("POST", "PUT", "PATCH") and request.content_type in FORM_CONTENT_TYPES:
        if request.content_type == "multipart/form-data" and request.path_info.startswith("/api/"):
            # The API reads request.body for its JSON operations, which parsing the multipart stream here
            # would make unreadable (a 500); its multipart operations check their fields themselves.
            return None
        # Parsing here is what CSRF protection does next anyway; a malformed or oversized body raises Django's
        # own 400 (templates/400.html). A url-encoded body is read whole first, so request.body stays readable.
        if request.content_type == "application/x-www-form-urlencoded":
            request.body  # noqa: B018
        if _has_nul(request.POST.keys()) or any(_has_nul(values) for _key, values in request.POST.lists()):
            return "form field"
        if any(_has_nul(f.name or "" for f in files) for _key, files in request.FILES.lists()):
            return "file name"
    return None


class UnstorableInputMiddleware:
    """Answer 400 to a request carrying a NUL character or a query string that is not UTF-8 (see
    ``unstorable_input``): a French page, or a JSON error under ``/api/``. Only where it was found is logged
    (never the value)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        where = unstorable_input(request)
        if where is None:
            return self.get_response(request)
        logger.warning("Request refused: NUL character or invalid encoding in the %s", where)
        message = _("La requête contient des caractères non autorisés (caractère nul ou encodage invalide).")
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": message}, status=400)
        typed = typed_back(request) if where == "form field" else []
        return HttpResponseBadRequest(
            render_to_string("invalid_characters.html", {"message": message, "typed": typed})
        )


# Fields never shown back: secrets, and what the browser sent without the person typing it.
_NOT_TYPED = ("csrfmiddlewaretoken", "password", "token", "otp", "code")


def typed_back(request, limit: int = 50) -> list[tuple[str, str]]:
    """The text fields of a refused form, NUL characters removed, to show to the person who sent them.

    A form refused before its view cannot redisplay itself; its page gives the typed text back instead, so
    nothing typed is lost (the response goes only to the sender; nothing is logged or stored).
    """
    typed = []
    for name, values in request.POST.lists():
        if any(part in name.lower() for part in _NOT_TYPED):
            continue
        typed += [(name.replace("\x00", ""), value.replace("\x00", "")) for value in values if value.strip()]
    return typed[:limit]


# The admins we do not write (Wagtail's /cms/, Django's /django-admin/) and the exceptions their views raise
# on a malformed request: an id that is not a number re-rendered by a chooser or autocomplete widget
# (ValueError from the field's conversion), a POST missing a field they assume (KeyError, AttributeError on
# None). The garbage crawl (tests/test_garbage_crawl.py) found 12 such views; they are library bugs, not ours.
THIRD_PARTY_ADMIN_PREFIXES = ("/cms/", "/django-admin/")
# More rows than any admin formset here has (collections, page permissions, workflow tasks): a larger count is garbage.
MAX_ADMIN_FORMS = 300
MALFORMED_REQUEST_ERRORS = (ValueError, KeyError, AttributeError, TypeError, IndexError, ValidationError)
_SITE_PACKAGES = ("site-packages", "dist-packages")


def raised_in_library(error: BaseException) -> bool:
    """True when the innermost frame of ``error``'s traceback is in an installed package, not in our code."""
    tb = error.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    return any(part in tb.tb_frame.f_code.co_filename for part in _SITE_PACKAGES)


class AdminMalformedRequestMiddleware:
    """A malformed request to a third-party admin view is a 400, not a 500.

    Only under ``THIRD_PARTY_ADMIN_PREFIXES``, only for ``MALFORMED_REQUEST_ERRORS``, and only when the
    exception comes from a library's own frame: a bug in our own admin code (grc/admin.py) still fails loudly.
    The view's name and the exception's class are logged (never the values).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        """A formset count past what any admin screen shows is refused before the view builds that many forms
        (a garbage ``TOTAL_FORMS`` made Wagtail's group and workflow screens build up to 2,000 forms per formset:
        18 s of one worker for one POST)."""
        if request.method != "POST" or not request.path_info.startswith(THIRD_PARTY_ADMIN_PREFIXES):
            return None
        for key, value in request.POST.items():
            sane = value.isascii() and value.isdigit() and int(value) <= MAX_ADMIN_FORMS
            if key.endswith("TOTAL_FORMS") and not sane:
                logger.warning("Admin formset count refused in %s", _url_name(request) or "?")
                message = _("La requête est mal formée : le nombre de lignes d'un formulaire n'est pas valide.")
                return HttpResponseBadRequest(render_to_string("invalid_characters.html", {"message": message}))
        return None

    def process_exception(self, request, exception):
        if not request.path_info.startswith(THIRD_PARTY_ADMIN_PREFIXES):
            return None
        if not isinstance(exception, MALFORMED_REQUEST_ERRORS) or not raised_in_library(exception):
            return None
        logger.warning(
            "Malformed admin request refused: %s in %s", type(exception).__name__, _url_name(request) or "?"
        )
        message = _("La requête est mal formée : une valeur envoyée n'a pas le format attendu.")
        return HttpResponseBadRequest(render_to_string("invalid_characters.html", {"message": message}))


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Django's login-by-default, minus the API (own authentication on every operation)."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith(SELF_AUTHENTICATING_PREFIXES):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


def _url_name(request):
    match = getattr(request, "resolver_match", None)
    if match is None:
        return None
    return f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name


class StaffOTPRequiredMiddleware:
    """No back-office or admin page without a verified second factor; no citizen in the back office.

    A staff member without a device is sent to enrolment, one with a device to verification.
    A citizen account asking for a staff-only path gets 403.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        path = request.path_info
        if not user.is_authenticated or path.startswith(SELF_AUTHENTICATING_PREFIXES):
            return None
        if not user.is_staff:
            if path.startswith(STAFF_ONLY_PREFIXES):
                raise PermissionDenied(_("Espace réservé aux agents du Département."))
            return None
        if user.is_verified() or _url_name(request) in OTP_EXEMPT_URL_NAMES:
            return None
        target = "backoffice:otp_verify" if any(devices_for_user(user)) else "backoffice:otp_setup"
        return redirect(f"{reverse(target)}?next={path}")


class StaffSessionTimeoutMiddleware:
    """End staff sessions after STAFF_SESSION_IDLE_SECONDS idle or STAFF_SESSION_MAX_SECONDS in all."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff:
            now = time.time()
            login_at = request.session.setdefault(SESSION_LOGIN_AT, now)
            last_seen = request.session.get(SESSION_LAST_SEEN, now)
            idle = now - last_seen > settings.STAFF_SESSION_IDLE_SECONDS
            too_old = now - login_at > settings.STAFF_SESSION_MAX_SECONDS
            if idle or too_old:
                logout(request)
                messages.info(request, _("Votre session a expiré. Merci de vous reconnecter."))
                return redirect(f"{reverse('login')}?next={request.path_info}")
            # Refreshed at most once a minute: the idle limit stays exact to the minute without a
            # session write on every request.
            if now - last_seen >= LAST_SEEN_RESOLUTION_SECONDS or SESSION_LAST_SEEN not in request.session:
                request.session[SESSION_LAST_SEEN] = now
        return self.get_response(request)
