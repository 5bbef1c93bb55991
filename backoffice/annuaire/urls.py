"""The annuaire in the back office (names in ``backoffice``): moderation, claims, import, orientation."""

from django.urls import path

from backoffice.annuaire import views
from grc import converters  # noqa: F401  (registers <id:…>)

urlpatterns = [
    path("annuaire/moderation/", views.queue, name="annuaire_queue"),
    path("annuaire/moderation/<id:pk>/", views.change_detail, name="annuaire_change"),
    path("annuaire/rattachements/<id:pk>/", views.claim_decide, name="annuaire_claim"),
    path("annuaire/import/", views.import_upload, name="annuaire_import"),
    path("annuaire/import/<id:pk>/", views.import_preview, name="annuaire_import_preview"),
    path("dossiers/<id:file_pk>/orientation/", views.orientation, name="annuaire_orientation"),
]
