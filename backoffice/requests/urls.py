"""Requests (demandes): team queues, the instruction screen and counter filing (names in ``backoffice``)."""

from django.urls import path

from backoffice.requests import decisions, views
from grc import converters  # noqa: F401  (registers <id:…>)

urlpatterns = [
    path("demandes/", views.queue_home, name="request_queue_home"),
    path("demandes/equipe/<id:team_id>/", views.queue, name="request_queue"),
    path("demandes/guichet/", views.counter_start, name="request_counter_start"),
    path("demandes/guichet/usager/<id:citizen_pk>/", views.counter_file, name="request_counter_file"),
    path("demandes/guichet/deposee/<str:code>/", views.counter_done, name="request_counter_done"),
    path("demandes/pieces/<id:pk>/", views.attachment_download, name="request_attachment_download"),
    path("demandes/<str:code>/", views.detail, name="request_detail"),
    path("demandes/<str:code>/accuse-reception.pdf", views.counter_acknowledgement, name="request_acknowledgement"),
    path("demandes/<str:code>/m-attribuer/", views.assign_me, name="request_assign_me"),
    path("demandes/<str:code>/attribuer/", views.assign, name="request_assign"),
    path("demandes/<str:code>/instruire/", views.take_in_review, name="request_take_in_review"),
    path("demandes/<str:code>/demander-complements/", views.ask_citizen, name="request_ask_citizen"),
    path("demandes/<str:code>/accepter/", views.accept, name="request_accept"),
    path("demandes/<str:code>/accorder/", decisions.grant, name="request_grant"),
    path("demandes/<str:code>/notaire/", decisions.notary, name="request_notary"),
    path("demandes/<str:code>/refuser/", views.refuse, name="request_refuse"),
    path("demandes/<str:code>/classer/", views.close, name="request_close"),
    path("demandes/<str:code>/transmettre/", views.forward, name="request_forward"),
    path("demandes/<str:code>/messages/", views.message_post, name="request_message_post"),
]
