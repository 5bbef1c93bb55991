"""The agent's tasks and notifications (names in the ``backoffice`` namespace)."""

from django.urls import path

from backoffice.travail import views, views_bulk_mail, views_letters, views_templates
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
    path("courrier/bannette/<id:team_pk>/lot/", views_bulk_mail.mail_bulk, name="mail_bulk"),
    path("lots/<id:pk>/", views.bulk_job, name="bulk_job"),
    path("lots/<id:pk>/annuler/", views.bulk_job_undo, name="bulk_job_undo"),
    path("modeles/", views_templates.template_list, name="template_list"),
    path("modeles/nouveau/", views_templates.template_create, name="template_create"),
    path("modeles/<id:pk>/", views_templates.template_edit, name="template_edit"),
    path("modeles/<id:pk>/supprimer/", views_templates.template_delete, name="template_delete"),
    path("courriers-sortants/", views_letters.register, name="letter_register"),
    path("courriers-sortants/export/", views_letters.register_export, name="letter_register_export"),
    path("courriers-sortants/nouveau/", views_letters.letter_create, name="letter_create"),
    path("courriers-sortants/<id:pk>/", views_letters.letter_detail, name="letter_detail"),
    path("courriers-sortants/<id:pk>/pdf/", views_letters.letter_download, name="letter_download"),
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/lues/", views.notifications_read, name="notifications_read"),
    path("notifications/e-mails/", views.notification_settings, name="notification_settings"),
]
