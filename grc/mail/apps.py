from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "grc.mail"
    label = "mail"
    verbose_name = "Courrier entrant"
