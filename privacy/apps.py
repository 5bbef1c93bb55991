from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_default_retention_rules(sender, using="default", **kwargs):
    """After every migrate: the default retention rules exist, so the DPO sees (and can edit) them
    before the first nightly run applies them, and a rule added in a release appears at once."""
    from django.db import connections

    from .models import RetentionRule

    tables = connections[using].introspection.table_names()
    if RetentionRule._meta.db_table not in tables or RetentionRule.history.model._meta.db_table not in tables:
        return  # migrating to a state before the privacy tables
    from .retention import retention_rules_ensure

    retention_rules_ensure(actor=None)


class PrivacyConfig(AppConfig):
    name = "privacy"
    label = "privacy"
    verbose_name = "Droits RGPD et conservation"

    def ready(self):
        post_migrate.connect(_ensure_default_retention_rules, sender=self, dispatch_uid="privacy-default-rules")
        from grc import person_data_registry, retention_registry

        from . import alerts
        from .person_data.sections import GDPR_SECTION
        from .retention.purposes import PURPOSES

        alerts.register()  # the mass-export detector reads privacy's transfers: registered here, not by the console
        for purpose in PURPOSES:
            retention_registry.register(purpose)
        person_data_registry.register(GDPR_SECTION)
