"""Identity mediation: duplicate suspicions, merges and their undo."""

from django.urls import path

from backoffice.identity import views
from grc import converters  # noqa: F401  (registers <id:…>)

urlpatterns = [
    path("doublons/", views.suspicion_list, name="suspicion_list"),
    path("doublons/<id:pk>/", views.suspicion_detail, name="suspicion_detail"),
    path("doublons/<id:pk>/fusionner/", views.suspicion_merge, name="suspicion_merge"),
    path("doublons/<id:pk>/ecarter/", views.suspicion_dismiss, name="suspicion_dismiss"),
    path("fusions/", views.merge_list, name="merge_list"),
    path("fusions/<id:pk>/annuler/", views.merge_undo, name="merge_undo"),
]
