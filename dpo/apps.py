from django.apps import AppConfig


class DpoConfig(AppConfig):
    """The DPO console's domain: alert detectors and services, the change history's reads. No tables of its own:
    alerts and rules are rows of the access-log core (``grc.audit``)."""

    name = "dpo"
    label = "dpo"
    verbose_name = "Console du DPO"

    def ready(self):
        from .detectors import register

        register()
