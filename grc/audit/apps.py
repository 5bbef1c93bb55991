from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AuditConfig(AppConfig):
    name = "grc.audit"
    label = "audit"
    verbose_name = "Journal des accès"

    def ready(self):
        from .retention import sync_purge_floor

        post_migrate.connect(sync_purge_floor, sender=self)
