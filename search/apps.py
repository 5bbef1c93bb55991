from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    label = "grc_search"
    verbose_name = "Recherche"

    def ready(self):
        from . import documents, signals  # noqa: F401  (importing documents registers every kind)

        signals.connect()
