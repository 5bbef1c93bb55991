"""GDPR rights register, access-right archives and retention (DPO only; others get 404)."""

from django.urls import path

from backoffice.privacy import views
from grc import converters  # noqa: F401  (registers <id:…>)

urlpatterns = [
    path("rgpd/demandes/", views.request_list, name="privacy_request_list"),
    path("rgpd/demandes/nouvelle/", views.request_create, name="privacy_request_create"),
    path("rgpd/demandes/<id:pk>/", views.request_detail, name="privacy_request_detail"),
    path("rgpd/demandes/<id:pk>/modifier/", views.request_edit, name="privacy_request_edit"),
    path("rgpd/demandes/<id:pk>/statut/", views.request_transition, name="privacy_request_transition"),
    path("rgpd/demandes/<id:pk>/prolonger/", views.request_extend, name="privacy_request_extend"),
    path("rgpd/demandes/<id:pk>/tiers/", views.withholding_set, name="privacy_withholding_set"),
    path("rgpd/demandes/<id:pk>/effacer/", views.erasure_execute, name="privacy_erasure_execute"),
    path("rgpd/demandes/<id:pk>/compte/supprimer/", views.account_erase, name="privacy_account_erase"),
    path("rgpd/demandes/<id:pk>/compte/refuser/", views.account_refuse, name="privacy_account_refuse"),
    path("rgpd/demandes/<id:pk>/archive/", views.archive_create, name="privacy_archive_create"),
    path("rgpd/archives/<id:pk>/telecharger/", views.archive_download, name="privacy_archive_download"),
    path("rgpd/conservation/", views.retention_home, name="privacy_retention"),
    path("rgpd/conservation/regles/<id:pk>/", views.rule_edit, name="privacy_rule_edit"),
    path("rgpd/conservation/regles/<id:pk>/simulation/", views.rule_dry_run, name="privacy_rule_dry_run"),
    path("rgpd/conservation/executions/<id:pk>/", views.run_detail, name="privacy_run_detail"),
    path("rgpd/conservation/versements/<id:pk>/", views.export_download, name="privacy_export_download"),
]
