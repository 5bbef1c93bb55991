"""The back-office home page (names in the ``backoffice`` namespace)."""

from django.urls import path

from backoffice.home import views
from grc import converters  # noqa: F401  (registers <id:…>)

urlpatterns = [
    path("", views.home, name="home"),
]
