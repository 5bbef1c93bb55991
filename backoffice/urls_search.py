from django.urls import path

from backoffice.views import search
from grc import converters  # noqa: F401  (registers <id:…>)

urlpatterns = [
    path("recherche/", search.search_page, name="search"),
    path("recherche/instantanee/", search.search_suggest, name="search_suggest"),
    path("recherche/ouvrir/<str:kind>/<id:pk>/", search.search_open, name="search_open"),
]
