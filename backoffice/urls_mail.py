"""Incoming mail in the back office (names in the ``backoffice`` namespace)."""

from django.urls import path

from backoffice.views import mail

urlpatterns = [
    path("courrier/", mail.mailroom, name="mailroom"),
    path("courrier/<int:pk>/", mail.mail_detail, name="mail_detail"),
    path("courrier/<int:pk>/qualifier/", mail.mail_qualify, name="mail_qualify"),
    path("courrier/<int:pk>/pages/<int:number>.png", mail.mail_page, name="mail_page"),
    path("courrier/<int:pk>/relancer/", mail.mail_retry, name="mail_retry"),
    path("courrier/<int:pk>/attribuer/", mail.mail_take, name="mail_take"),
    path("courrier/<int:pk>/traiter/", mail.mail_done, name="mail_done"),
    path("courrier/<int:pk>/transferer/", mail.mail_forward, name="mail_forward"),
    path("courrier/<int:pk>/accuse-reception/", mail.mail_acknowledgement, name="mail_acknowledgement"),
    path("bannettes/", mail.mail_team_queues, name="mail_team_queues"),
    path("bannettes/<int:team_pk>/", mail.mail_team_queue, name="mail_team_queue"),
]
