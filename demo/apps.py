from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data (``manage.py seed_demo``): no models, a registry of seeders the apps fill."""

    name = "demo"
    label = "demo"
    verbose_name = "Données de démonstration"

    def ready(self):
        # The seeders import the models of the apps they seed: only once every app is loaded.
        from .seeders import register_seeders

        register_seeders()
