"""Lieux de médiation numérique (Info sociale team; names in ``backoffice``)."""

from django.urls import path

from backoffice.lieux import views
from grc import converters  # noqa: F401  (registers <id:…>)

urlpatterns = [
    path("lieux/", views.lieu_list, name="lieu_list"),
    path("lieux/<id:lieu_id>/", views.lieu_detail, name="lieu_detail"),
    path("lieux/<id:lieu_id>/remettre/", views.lieu_restore, name="lieu_restore"),
]
