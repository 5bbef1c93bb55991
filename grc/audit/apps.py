from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AuditConfig(AppConfig):
    name = "grc.audit"
    label = "audit"
    verbose_name = "Journal des accès"

    def ready(self):
        from grc import retention_registry

        from .retention import sync_purge_floor
        from .retention_purpose import ACCESS_LOG_PURPOSE

        post_migrate.connect(sync_purge_floor, sender=self)
        retention_registry.register(ACCESS_LOG_PURPOSE)
