"""Requests (demandes): team queues, the instruction screen and counter filing (names in ``backoffice``)."""

from django.urls import path

from backoffice.views import requests
from grc import converters  # noqa: F401  (registers <id:…>)

urlpatterns = [
    path("demandes/", requests.queue_home, name="request_queue_home"),
    path("demandes/equipe/<id:team_id>/", requests.queue, name="request_queue"),
    path("demandes/guichet/", requests.counter_start, name="request_counter_start"),
    path("demandes/guichet/usager/<id:citizen_pk>/", requests.counter_file, name="request_counter_file"),
    path("demandes/guichet/deposee/<str:code>/", requests.counter_done, name="request_counter_done"),
    path("demandes/pieces/<id:pk>/", requests.attachment_download, name="request_attachment_download"),
    path("demandes/<str:code>/", requests.detail, name="request_detail"),
    path("demandes/<str:code>/accuse-reception.pdf", requests.counter_acknowledgement, name="request_acknowledgement"),
    path("demandes/<str:code>/m-attribuer/", requests.assign_me, name="request_assign_me"),
    path("demandes/<str:code>/attribuer/", requests.assign, name="request_assign"),
    path("demandes/<str:code>/instruire/", requests.take_in_review, name="request_take_in_review"),
    path("demandes/<str:code>/demander-complements/", requests.ask_citizen, name="request_ask_citizen"),
    path("demandes/<str:code>/accepter/", requests.accept, name="request_accept"),
    path("demandes/<str:code>/refuser/", requests.refuse, name="request_refuse"),
    path("demandes/<str:code>/classer/", requests.close, name="request_close"),
    path("demandes/<str:code>/transmettre/", requests.forward, name="request_forward"),
    path("demandes/<str:code>/messages/", requests.message_post, name="request_message_post"),
]
