from django.urls import path

from backoffice.views import auth, citizen_forms, citizens, home, identity

app_name = "backoffice"

urlpatterns = [
    path("", home.home, name="home"),
    path("2fa/", auth.otp_verify, name="otp_verify"),
    path("2fa/activer/", auth.otp_setup, name="otp_setup"),
    path("2fa/codes-de-secours/", auth.otp_backup_codes_regenerate, name="otp_backup_codes"),
    # Citizen reference
    path("usagers/", citizens.citizen_search, name="citizen_search"),
    path("usagers/nouveau/", citizen_forms.citizen_create, name="citizen_create"),
    path("usagers/<int:pk>/", citizens.citizen_detail, name="citizen_detail"),
    path("usagers/<int:pk>/modifier/", citizen_forms.citizen_edit, name="citizen_edit"),
    path("usagers/<int:pk>/adresses/ajouter/", citizen_forms.citizen_address_add, name="citizen_address_add"),
    path("usagers/<int:pk>/historique/", citizens.citizen_view_history, name="citizen_history"),
    # Identity mediation
    path("doublons/", identity.suspicion_list, name="suspicion_list"),
    path("doublons/<int:pk>/", identity.suspicion_detail, name="suspicion_detail"),
    path("doublons/<int:pk>/fusionner/", identity.suspicion_merge, name="suspicion_merge"),
    path("doublons/<int:pk>/ecarter/", identity.suspicion_dismiss, name="suspicion_dismiss"),
    path("fusions/", identity.merge_list, name="merge_list"),
    path("fusions/<int:pk>/annuler/", identity.merge_undo, name="merge_undo"),
]
