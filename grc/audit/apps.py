import logging

from django.apps import AppConfig
from django.db.models.signals import post_migrate

logger = logging.getLogger(__name__)


def sync_purge_floor(sender, using="default", **kwargs):
    """Keep the database's purge floor equal to ``ACCESS_LOG_MIN_RETENTION_DAYS`` after each migrate.

    ``migrate`` runs as the owner role, which may replace it. Elsewhere (a test flush as the runtime
    role) the floor is only read; a difference is reported, never forced.
    """
    from django.conf import settings
    from django.db import DatabaseError, transaction

    from .retention import min_retention_days, set_min_retention_days

    wanted = settings.ACCESS_LOG_MIN_RETENTION_DAYS
    try:
        with transaction.atomic(using=using):
            if min_retention_days(using=using) != wanted:
                set_min_retention_days(wanted, using=using)
    except DatabaseError as error:
        logger.warning("access-log purge floor not updated (%s): run migrate as the owner role", type(error).__name__)


class AuditConfig(AppConfig):
    name = "grc.audit"
    label = "audit"
    verbose_name = "Journal des accès"

    def ready(self):
        post_migrate.connect(sync_purge_floor, sender=self)
