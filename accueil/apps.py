from django.apps import AppConfig


class AccueilConfig(AppConfig):
    name = "accueil"
    label = "accueil"
    verbose_name = "Accueil numérique social"
