from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "grc.privacy"
    label = "privacy"
    verbose_name = "Droits RGPD et conservation"
