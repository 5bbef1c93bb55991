"""GDPR rights register, access-right archives and retention (DPO only; others get 404)."""

from django.urls import path

from backoffice.views import privacy
from grc import converters  # noqa: F401  (registers <id:…>)

urlpatterns = [
    path("rgpd/demandes/", privacy.request_list, name="privacy_request_list"),
    path("rgpd/demandes/nouvelle/", privacy.request_create, name="privacy_request_create"),
    path("rgpd/demandes/<id:pk>/", privacy.request_detail, name="privacy_request_detail"),
    path("rgpd/demandes/<id:pk>/modifier/", privacy.request_edit, name="privacy_request_edit"),
    path("rgpd/demandes/<id:pk>/statut/", privacy.request_transition, name="privacy_request_transition"),
    path("rgpd/demandes/<id:pk>/prolonger/", privacy.request_extend, name="privacy_request_extend"),
    path("rgpd/demandes/<id:pk>/tiers/", privacy.withholding_set, name="privacy_withholding_set"),
    path("rgpd/demandes/<id:pk>/effacer/", privacy.erasure_execute, name="privacy_erasure_execute"),
    path("rgpd/demandes/<id:pk>/compte/supprimer/", privacy.account_erase, name="privacy_account_erase"),
    path("rgpd/demandes/<id:pk>/compte/refuser/", privacy.account_refuse, name="privacy_account_refuse"),
    path("rgpd/demandes/<id:pk>/archive/", privacy.archive_create, name="privacy_archive_create"),
    path("rgpd/archives/<id:pk>/telecharger/", privacy.archive_download, name="privacy_archive_download"),
    path("rgpd/conservation/", privacy.retention_home, name="privacy_retention"),
    path("rgpd/conservation/regles/<id:pk>/", privacy.rule_edit, name="privacy_rule_edit"),
    path("rgpd/conservation/regles/<id:pk>/simulation/", privacy.rule_dry_run, name="privacy_rule_dry_run"),
    path("rgpd/conservation/executions/<id:pk>/", privacy.run_detail, name="privacy_run_detail"),
    path("rgpd/conservation/versements/<id:pk>/", privacy.export_download, name="privacy_export_download"),
]
