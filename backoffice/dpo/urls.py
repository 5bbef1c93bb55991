from django.urls import path

from backoffice.dpo import views, views_rules
from grc import converters  # noqa: F401  (registers <id:…>)

urlpatterns = [
    path("dpo/", views.home, name="dpo_home"),
    path("dpo/journal/", views.log_list, name="dpo_log"),
    path("dpo/journal/export.csv", views.log_export, name="dpo_log_export"),
    path("dpo/verifier/", views.verify_now, name="dpo_verify_now"),
    path("dpo/agents/<id:pk>/", views.actor_timeline, name="dpo_actor_timeline"),
    path("dpo/usagers/<id:pk>/lecteurs/", views.citizen_readers, name="dpo_citizen_readers"),
    path("dpo/alertes/", views.alert_list, name="dpo_alerts"),
    path("dpo/alertes/<id:pk>/", views.alert_detail, name="dpo_alert"),
    path("dpo/regles/", views_rules.rule_list, name="dpo_rules"),
    path("dpo/regles/<slug:kind>/", views_rules.rule_edit, name="dpo_rule"),
    path("dpo/historique/", views.history_search, name="dpo_history"),
    path("dpo/historique/utilisateur/<id:pk>/", views.history_user, name="dpo_history_user"),
    path("dpo/historique/<str:label>/<id:pk>/", views.history_object, name="dpo_history_object"),
]
