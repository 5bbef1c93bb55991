from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portail usagers"

    def ready(self):
        # The portal's demo pages join the demo's seeders (the demo app sits below the portal).
        from .demo import register_seeders

        register_seeders()

        from .receivers import connect

        connect()
