from django.apps import AppConfig


class DossierUniqueConfig(AppConfig):
    name = "dossier_unique"
    verbose_name = "Dossier social unique"
