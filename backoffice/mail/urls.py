"""Incoming mail in the back office (names in the ``backoffice`` namespace)."""

from django.urls import path

from backoffice.mail import views
from grc import converters  # noqa: F401  (registers <id:…>)

urlpatterns = [
    path("courrier/", views.mailroom, name="mailroom"),
    path("courrier/<id:pk>/", views.mail_detail, name="mail_detail"),
    path("courrier/<id:pk>/qualifier/", views.mail_qualify, name="mail_qualify"),
    path("courrier/<id:pk>/pages/<id:number>.png", views.mail_page, name="mail_page"),
    path("courrier/<id:pk>/relancer/", views.mail_retry, name="mail_retry"),
    path("courrier/<id:pk>/attribuer/", views.mail_take, name="mail_take"),
    path("courrier/<id:pk>/traiter/", views.mail_done, name="mail_done"),
    path("courrier/<id:pk>/transferer/", views.mail_forward, name="mail_forward"),
    path("courrier/<id:pk>/accuse-reception/", views.mail_acknowledgement, name="mail_acknowledgement"),
    path("courrier/modele/", views.mail_model, name="mail_model"),
    path("courrier/modele/reentrainer/", views.mail_model_retrain, name="mail_model_retrain"),
    path("bannettes/", views.mail_team_queues, name="mail_team_queues"),
    path("bannettes/<id:team_pk>/", views.mail_team_queue, name="mail_team_queue"),
]
