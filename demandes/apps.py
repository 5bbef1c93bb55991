from django.apps import AppConfig


class RequestsConfig(AppConfig):
    name = "demandes"
    label = "grc_requests"
    verbose_name = "Demandes"

    def ready(self):
        from grc.merge_registry import register

        from .merge import REQUESTS_HANDLER

        register(REQUESTS_HANDLER)
