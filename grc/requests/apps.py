from django.apps import AppConfig


class RequestsConfig(AppConfig):
    name = "grc.requests"
    label = "grc_requests"
    verbose_name = "Demandes"
