from django.urls import include, path

from backoffice.views import auth, citizen_forms, citizens, files, home, identity
from grc import converters  # noqa: F401  (registers <id:…>)

app_name = "backoffice"

urlpatterns = [
    path("", home.home, name="home"),
    path("2fa/", auth.otp_verify, name="otp_verify"),
    path("2fa/activer/", auth.otp_setup, name="otp_setup"),
    path("2fa/codes-de-secours/", auth.otp_backup_codes_regenerate, name="otp_backup_codes"),
    # Citizen reference
    path("usagers/", citizens.citizen_search, name="citizen_search"),
    path("usagers/nouveau/", citizen_forms.citizen_create, name="citizen_create"),
    path("usagers/<id:pk>/", citizens.citizen_detail, name="citizen_detail"),
    path("usagers/<id:pk>/modifier/", citizen_forms.citizen_edit, name="citizen_edit"),
    path("usagers/<id:pk>/adresses/ajouter/", citizen_forms.citizen_address_add, name="citizen_address_add"),
    path("usagers/<id:pk>/historique/", citizens.citizen_view_history, name="citizen_history"),
    # Identity mediation
    path("doublons/", identity.suspicion_list, name="suspicion_list"),
    path("doublons/<id:pk>/", identity.suspicion_detail, name="suspicion_detail"),
    path("doublons/<id:pk>/fusionner/", identity.suspicion_merge, name="suspicion_merge"),
    path("doublons/<id:pk>/ecarter/", identity.suspicion_dismiss, name="suspicion_dismiss"),
    path("fusions/", identity.merge_list, name="merge_list"),
    path("fusions/<id:pk>/annuler/", identity.merge_undo, name="merge_undo"),
    # Dossier social unique
    path("dossiers/", files.caseload, name="caseload"),
    path("dossiers/<id:pk>/", files.file_detail, name="file_detail"),
    path("dossiers/<id:pk>/notes/", files.note_write, name="file_note_write"),
    path("dossiers/<id:pk>/documents/", files.document_add, name="file_document_add"),
    path("dossiers/<id:pk>/membres/", files.member_add, name="file_member_add"),
    path("dossiers/<id:pk>/membres/<id:member_pk>/fin/", files.member_end, name="file_member_end"),
    path("dossiers/<id:pk>/partages/", files.grant_give, name="file_grant_give"),
    path("dossiers/<id:pk>/partages/<id:grant_pk>/revoquer/", files.grant_revoke, name="file_grant_revoke"),
    path("dossiers/<id:pk>/accompagnements/", files.accompaniment_open, name="file_accompaniment_open"),
    path(
        "dossiers/<id:pk>/accompagnements/<id:accompaniment_pk>/cloturer/",
        files.accompaniment_close,
        name="file_accompaniment_close",
    ),
    path(
        "dossiers/<id:pk>/accompagnements/<id:accompaniment_pk>/transferer/",
        files.accompaniment_transfer,
        name="file_accompaniment_transfer",
    ),
    path("documents/<id:pk>/telecharger/", files.document_download, name="document_download"),
    path("notes/<id:pk>/", files.note_detail, name="note_detail"),
    path("usagers/<id:citizen_pk>/acces-urgence/", files.emergency_access, name="emergency_access"),
    path("acces-urgence/", files.emergency_review, name="emergency_review"),
    path("acces-urgence/<id:pk>/examiner/", files.emergency_review_mark, name="emergency_review_mark"),
    # Each area keeps its own URL module (mounted here, names stay in the "backoffice" namespace).
    path("", include("backoffice.urls_requests")),
    path("", include("backoffice.urls_mail")),
    path("", include("backoffice.urls_search")),
    path("", include("backoffice.urls_dpo")),
    path("", include("backoffice.urls_privacy")),
]
