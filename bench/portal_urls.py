"""The project's URLs plus a plain Django view (the baseline of ``bench/portal.py``)."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns


@login_not_required
def ok(request):
    return HttpResponse("ok", content_type="text/plain")


# Before the project's patterns: Wagtail's catch-all page route comes last there.
urlpatterns = [path("bench/ok/", ok), *project_urlpatterns]
