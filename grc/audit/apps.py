from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "grc.audit"
    label = "audit"
    verbose_name = "Journal des accès"
