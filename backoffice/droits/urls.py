"""Rights estimates: the rights page of a social file and the per-team possible non-recours."""

from django.urls import path

from backoffice.droits import views
from grc import converters  # noqa: F401  (registers <id:…>)

urlpatterns = [
    path("droits/dossiers/<id:pk>/", views.file_rights, name="droits_file"),
    path("droits/dossiers/<id:pk>/consentement/", views.consent_record, name="droits_consent"),
    path("droits/dossiers/<id:pk>/consentement/retirer/", views.consent_withdraw, name="droits_consent_withdraw"),
    path("droits/dossiers/<id:pk>/situation/", views.situation_edit, name="droits_situation"),
    path("droits/dossiers/<id:pk>/estimer/", views.estimate_run, name="droits_estimate"),
    path("droits/estimations/<id:pk>/", views.estimate_detail, name="droits_estimate_detail"),
    path("droits/non-recours/", views.non_recours, name="droits_non_recours"),
]
