"""Accueil numérique social: the quick form of a digital-help session (names in ``backoffice``)."""

from django.urls import path

from backoffice.accueil import views
from grc import converters  # noqa: F401  (registers <id:…>)

urlpatterns = [
    path("accueil-numerique/", views.start, name="help_session_start"),
    path("accueil-numerique/lieu/<id:site_pk>/", views.record, name="help_session_record"),
    path("accueil-numerique/seance/<id:pk>/corriger/", views.correct, name="help_session_correct"),
    path("accueil-numerique/usager/<id:citizen_pk>/", views.citizen_sessions, name="help_sessions_citizen"),
]
