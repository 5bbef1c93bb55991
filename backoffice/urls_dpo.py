from django.urls import path

from backoffice.views import dpo, dpo_rules
from grc import converters  # noqa: F401  (registers <id:…>)

urlpatterns = [
    path("dpo/", dpo.home, name="dpo_home"),
    path("dpo/journal/", dpo.log_list, name="dpo_log"),
    path("dpo/journal/export.csv", dpo.log_export, name="dpo_log_export"),
    path("dpo/verifier/", dpo.verify_now, name="dpo_verify_now"),
    path("dpo/agents/<id:pk>/", dpo.actor_timeline, name="dpo_actor_timeline"),
    path("dpo/usagers/<id:pk>/lecteurs/", dpo.citizen_readers, name="dpo_citizen_readers"),
    path("dpo/alertes/", dpo.alert_list, name="dpo_alerts"),
    path("dpo/alertes/<id:pk>/", dpo.alert_detail, name="dpo_alert"),
    path("dpo/regles/", dpo_rules.rule_list, name="dpo_rules"),
    path("dpo/regles/<slug:kind>/", dpo_rules.rule_edit, name="dpo_rule"),
    path("dpo/historique/", dpo.history_search, name="dpo_history"),
    path("dpo/historique/utilisateur/<id:pk>/", dpo.history_user, name="dpo_history_user"),
    path("dpo/historique/<str:label>/<id:pk>/", dpo.history_object, name="dpo_history_object"),
]
