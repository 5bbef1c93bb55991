from django.apps import AppConfig


class MednumConfig(AppConfig):
    name = "mednum"
    label = "mednum"
    verbose_name = "Lieux de médiation numérique"
