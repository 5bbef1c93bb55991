from django.urls import path

from backoffice.search import views
from grc import converters  # noqa: F401  (registers <id:…>)

urlpatterns = [
    path("recherche/", views.search_page, name="search"),
    path("recherche/instantanee/", views.search_suggest, name="search_suggest"),
    path("recherche/ouvrir/<str:kind>/<id:pk>/", views.search_open, name="search_open"),
]
