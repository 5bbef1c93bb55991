"""The lieux de médiation numérique on the portal (``/lieux/``)."""

from django.urls import path

from grc import converters  # noqa: F401  (registers <id:…>)

from . import views

app_name = "lieux"

urlpatterns = [
    path("", views.lieu_list, name="list"),
    path("integrer/", views.lieu_embed, name="embed"),
    path("lieux-mediation-numerique.csv", views.export_csv, name="export_csv"),
    path("data-inclusion.json", views.export_data_inclusion, name="export_data_inclusion"),
    path("<id:lieu_id>/", views.lieu_detail, name="detail"),
    path("<id:lieu_id>/proposer/", views.lieu_propose, name="propose"),
    path("proposer/", views.lieu_propose, name="propose_new"),
]
