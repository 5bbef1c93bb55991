"""Appointments in the back office (names in the ``backoffice`` namespace)."""

from django.urls import path

from backoffice.rendezvous import views, views_absences, views_booking, views_integrations, views_move
from grc import converters  # noqa: F401  (registers <id:…>)

urlpatterns = [
    path("rendez-vous/", views.rdv_home, name="rdv_home"),
    path("rendez-vous/agenda/", views.rdv_agenda_switch, name="rdv_agenda_switch"),
    path("rendez-vous/agenda/agent/<id:pk>/", views.rdv_agenda_agent, name="rdv_agenda_agent"),
    path("rendez-vous/agenda/lieu/<id:pk>/", views.rdv_agenda_lieu, name="rdv_agenda_lieu"),
    path("rendez-vous/<id:pk>/", views.rdv_detail, name="rdv_detail"),
    path("rendez-vous/<id:pk>/suivi/<id:participant_pk>/", views.rdv_outcome, name="rdv_outcome"),
    path("rendez-vous/<id:pk>/presences/", views.rdv_attendance, name="rdv_attendance"),
    path("rendez-vous/<id:pk>/annuler/", views.rdv_cancel, name="rdv_cancel"),
    path("rendez-vous/<id:pk>/deplacer/", views_move.rdv_move, name="rdv_move"),
    path("rendez-vous/prendre/", views_booking.rdv_book_start, name="rdv_book_start"),
    path("rendez-vous/prendre/<id:citizen_pk>/", views_booking.rdv_book_slots, name="rdv_book_slots"),
    path("rendez-vous/prendre/<id:citizen_pk>/confirmer/", views_booking.rdv_book_confirm, name="rdv_book_confirm"),
    path("rendez-vous/inviter/<id:citizen_pk>/", views_booking.rdv_invite, name="rdv_invite"),
    path("rendez-vous/invitations/", views_booking.rdv_invitations, name="rdv_invitations"),
    path(
        "rendez-vous/invitations/<id:pk>/retirer/",
        views_booking.rdv_invitation_revoke,
        name="rdv_invitation_revoke",
    ),
    path(
        "rendez-vous/invitations/<id:pk>/renvoyer/",
        views_booking.rdv_invitation_resend,
        name="rdv_invitation_resend",
    ),
    path("rendez-vous/absences/", views_absences.rdv_absences, name="rdv_absences"),
    path("rendez-vous/webhooks/", views_integrations.rdv_webhooks, name="rdv_webhooks"),
    path("rendez-vous/webhooks/<id:pk>/", views_integrations.rdv_webhook_detail, name="rdv_webhook_detail"),
    path(
        "rendez-vous/webhooks/<id:pk>/desactiver/", views_integrations.rdv_webhook_disable, name="rdv_webhook_disable"
    ),
    path("rendez-vous/abonnement-agenda/", views_integrations.rdv_calendar_feed, name="rdv_calendar_feed"),
    path("rendez-vous/absences/agent/<id:agent_pk>/", views_absences.rdv_absences, name="rdv_absences_agent"),
    path(
        "rendez-vous/absences/importer/<id:agent_pk>/", views_absences.rdv_absences_import, name="rdv_absences_import"
    ),
    path("rendez-vous/absences/<id:pk>/supprimer/", views_absences.rdv_absence_delete, name="rdv_absence_delete"),
]
