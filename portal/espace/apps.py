from django.apps import AppConfig


class EspaceConfig(AppConfig):
    """Mon espace (views and templates only; installed so its templates are found)."""

    name = "portal.espace"
    label = "espace"
    verbose_name = "Mon espace"
