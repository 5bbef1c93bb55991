"""The agent's tasks and notifications (names in the ``backoffice`` namespace)."""

from django.urls import path

from backoffice.travail import views
from grc import converters  # noqa: F401  (registers <id:…>)

urlpatterns = [
    path("taches/", views.task_list, name="task_list"),
    path("taches/nouvelle/", views.task_create, name="task_create"),
    path("taches/<id:pk>/faite/", views.task_done, name="task_done"),
    path("taches/<id:pk>/rouvrir/", views.task_reopen, name="task_reopen"),
    path("absences/reprise/", views.work_handover, name="work_handover"),
    path("notes/<id:pk>/corriger/", views.note_edit, name="note_edit"),
    path("exports/demandes/<id:team_id>/", views.request_export, name="request_export"),
    path("demandes/equipe/<id:team_id>/lot/", views.request_bulk, name="request_bulk"),
    path("lots/<id:pk>/", views.bulk_job, name="bulk_job"),
    path("lots/<id:pk>/annuler/", views.bulk_job_undo, name="bulk_job_undo"),
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/lues/", views.notifications_read, name="notifications_read"),
    path("notifications/e-mails/", views.notification_settings, name="notification_settings"),
]
