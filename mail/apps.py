from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "mail"
    label = "mail"
    verbose_name = "Courrier entrant"

    def ready(self):
        from grc.merge_registry import register

        from .merge import MAIL_HANDLER

        register(MAIL_HANDLER)
