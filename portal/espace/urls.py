"""Mon espace: the citizen's own requests, messages, data and the accesses to their records."""

from django.urls import path

from grc import converters  # noqa: F401  (registers <id:…>)
from portal.rendezvous import views as rdv_views

from . import organisations, views

app_name = "espace"

urlpatterns = [
    path("", views.home, name="home"),
    path("demandes/", views.request_list, name="request_list"),
    path("demandes/<str:code>/", views.request_detail, name="request_detail"),
    path("demandes/<str:code>/message/", views.message_post, name="request_message_post"),
    path("demandes/<str:code>/complements/", views.answer, name="request_answer"),
    path("demandes/<str:code>/supprimer/", views.draft_delete, name="draft_delete"),
    path("demandes/<str:code>/accuse-reception.pdf", views.acknowledgement, name="request_acknowledgement"),
    path("demandes/<str:code>/decision.pdf", organisations.decision_letter, name="request_decision_letter"),
    path("pieces/<id:pk>/", views.attachment_download, name="attachment_download"),
    path("documents/", views.documents, name="documents"),
    path("documents/courriers/<id:pk>.pdf", views.letter_download, name="letter_download"),
    path("rendez-vous/", rdv_views.my_appointments, name="appointments"),
    path("mes-donnees/", views.data, name="data"),
    path("mes-donnees/mes-donnees.json", views.data_json, name="data_json"),
    path("mes-donnees/mes-donnees.pdf", views.data_pdf, name="data_pdf"),
    path("mes-donnees/droits/", views.rights, name="rights"),
    path("acces-a-mes-donnees/", views.accesses, name="accesses"),
    path("structures/", organisations.organisation_list, name="organisations"),
    path("structures/<id:pk>/", organisations.organisation_detail, name="organisation_detail"),
    path(
        "structures/<id:pk>/membres/<id:member_pk>/retirer/",
        organisations.organisation_member_remove,
        name="organisation_member_remove",
    ),
]
