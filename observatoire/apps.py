from django.apps import AppConfig


class ObservatoireConfig(AppConfig):
    name = "observatoire"
    label = "observatoire"
    verbose_name = "Observatoire territorial"
