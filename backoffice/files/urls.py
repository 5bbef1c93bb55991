"""The single social file: caseload, file page and its actions, documents, notes, emergency access."""

from django.urls import path

from backoffice.files import views
from grc import converters  # noqa: F401  (registers <id:…>)

urlpatterns = [
    path("dossiers/", views.caseload, name="caseload"),
    path("dossiers/<id:pk>/", views.file_detail, name="file_detail"),
    path("dossiers/<id:pk>/notes/", views.note_write, name="file_note_write"),
    path("dossiers/<id:pk>/documents/", views.document_add, name="file_document_add"),
    path("dossiers/<id:pk>/membres/", views.member_add, name="file_member_add"),
    path("dossiers/<id:pk>/membres/<id:member_pk>/fin/", views.member_end, name="file_member_end"),
    path("dossiers/<id:pk>/partages/", views.grant_give, name="file_grant_give"),
    path("dossiers/<id:pk>/partages/<id:grant_pk>/revoquer/", views.grant_revoke, name="file_grant_revoke"),
    path("dossiers/<id:pk>/accompagnements/", views.accompaniment_open, name="file_accompaniment_open"),
    path(
        "dossiers/<id:pk>/accompagnements/<id:accompaniment_pk>/cloturer/",
        views.accompaniment_close,
        name="file_accompaniment_close",
    ),
    path(
        "dossiers/<id:pk>/accompagnements/<id:accompaniment_pk>/transferer/",
        views.accompaniment_transfer,
        name="file_accompaniment_transfer",
    ),
    path("documents/<id:pk>/telecharger/", views.document_download, name="document_download"),
    path("notes/<id:pk>/", views.note_detail, name="note_detail"),
    path("usagers/<id:citizen_pk>/acces-urgence/", views.emergency_access, name="emergency_access"),
    path("acces-urgence/", views.emergency_review, name="emergency_review"),
    path("acces-urgence/<id:pk>/examiner/", views.emergency_review_mark, name="emergency_review_mark"),
]
