"""The agent's tasks and notifications (names in the ``backoffice`` namespace)."""

from django.urls import path

from backoffice.travail import views
from grc import converters  # noqa: F401  (registers <id:…>)

urlpatterns = [
    path("taches/", views.task_list, name="task_list"),
    path("taches/nouvelle/", views.task_create, name="task_create"),
    path("taches/<id:pk>/faite/", views.task_done, name="task_done"),
    path("taches/<id:pk>/rouvrir/", views.task_reopen, name="task_reopen"),
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/lues/", views.notifications_read, name="notifications_read"),
    path("notifications/e-mails/", views.notification_settings, name="notification_settings"),
]
