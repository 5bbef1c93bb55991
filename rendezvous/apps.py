from django.apps import AppConfig


class RendezvousConfig(AppConfig):
    name = "rendezvous"
    label = "rendezvous"
    verbose_name = "Rendez-vous"

    def ready(self):
        # Imported here, not at the top: models may only be imported once the app registry is ready.
        from dossier_unique.timeline import register_source
        from grc import person_data_registry, retention_registry

        from .person_data import APPOINTMENTS_SECTION
        from .retention import APPOINTMENT_PURPOSE, INVITATION_PURPOSE, SMS_PURPOSE
        from .timeline import SOURCES

        for source in SOURCES:
            register_source(source)
        retention_registry.register(APPOINTMENT_PURPOSE)
        retention_registry.register(SMS_PURPOSE)
        retention_registry.register(INVITATION_PURPOSE)
        person_data_registry.register(APPOINTMENTS_SECTION)
