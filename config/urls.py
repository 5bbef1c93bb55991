from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, JsonResponse
from django.urls import include, path, re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import RedirectView
from wagtail import views as wagtail_views
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from backoffice.auth import views as auth_views
from config.api import api
from rendezvous.feeds import agent_feed


def _not_offered(request):
    raise Http404


@csrf_exempt  # it changes nothing; a token client's POST to a wrong path gets the 404, not a CSRF 403
def _api_not_found(request):
    """Any other path under /api/: the API's JSON error, not the site's HTML page (a client parses JSON)."""
    return JsonResponse({"detail": _("Introuvable.")}, status=404)


urlpatterns = [
    path("connexion/", auth_views.LoginView.as_view(), name="login"),
    path("deconnexion/", auth_views.logout_view, name="logout"),
    path("backoffice/", include("backoffice.urls")),
    path("compte/", include("portal.accounts.urls")),
    path("mon-espace/", include("portal.espace.urls")),
    # An agent's private webcal feed: the token in the URL is the credential (calendar apps send no session).
    path("agenda/<str:token>.ics", agent_feed, name="rendezvous_agent_feed"),
    path("rendez-vous/", include("portal.rendezvous.urls")),
    path("observatoire/", include("portal.observatoire.urls")),
    path("annuaire/", include("portal.annuaire.urls")),
    path("lieux/", include("portal.lieux.urls")),
    path("estimer-mes-droits/", include("portal.droits.urls")),
    # One login page for everyone (axes lockout, then the staff second factor): the admins'
    # own login forms send there.
    path("cms/login/", login_not_required(RedirectView.as_view(pattern_name="login", query_string=True))),
    path("django-admin/login/", login_not_required(RedirectView.as_view(pattern_name="login", query_string=True))),
    path("api/v1/", api.urls),
    re_path(r"^api/", _api_not_found),
    # Wagtail's deliberate 500 ("a test of the emergency broadcast system", for checking error reporting):
    # not offered, since no input may give a 5xx.
    path("cms/failwhale/", _not_offered),
    path("cms/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("django-admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# The portal's Wagtail pages are public.
urlpatterns += [
    re_path(r"^((?:[\w\-]+/)*)$", login_not_required(wagtail_views.serve), name="wagtail_serve"),
]
