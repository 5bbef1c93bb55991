"""Incoming mail in the back office (names in the ``backoffice`` namespace)."""

from django.urls import path

from backoffice.views import mail
from grc import converters  # noqa: F401  (registers <id:…>)

urlpatterns = [
    path("courrier/", mail.mailroom, name="mailroom"),
    path("courrier/<id:pk>/", mail.mail_detail, name="mail_detail"),
    path("courrier/<id:pk>/qualifier/", mail.mail_qualify, name="mail_qualify"),
    path("courrier/<id:pk>/pages/<id:number>.png", mail.mail_page, name="mail_page"),
    path("courrier/<id:pk>/relancer/", mail.mail_retry, name="mail_retry"),
    path("courrier/<id:pk>/attribuer/", mail.mail_take, name="mail_take"),
    path("courrier/<id:pk>/traiter/", mail.mail_done, name="mail_done"),
    path("courrier/<id:pk>/transferer/", mail.mail_forward, name="mail_forward"),
    path("courrier/<id:pk>/accuse-reception/", mail.mail_acknowledgement, name="mail_acknowledgement"),
    path("bannettes/", mail.mail_team_queues, name="mail_team_queues"),
    path("bannettes/<id:team_pk>/", mail.mail_team_queue, name="mail_team_queue"),
]
