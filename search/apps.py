from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    label = "grc_search"
    verbose_name = "Recherche"

    def ready(self):
        from . import signals

        signals.connect()
