from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    label = "grc_search"
    verbose_name = "Recherche"
