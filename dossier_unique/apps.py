from django.apps import AppConfig


class DossierUniqueConfig(AppConfig):
    name = "dossier_unique"
    verbose_name = "Dossier social unique"

    def ready(self):
        from grc.merge_registry import register

        from .merge import SOCIAL_FILE_HANDLER

        register(SOCIAL_FILE_HANDLER)
