from django.apps import AppConfig


class TravailConfig(AppConfig):
    name = "travail"
    label = "travail"
    verbose_name = "Travail des agents"

    def ready(self):
        # Imported here: receivers use models, which exist only once the registry is ready.
        from demandes import events

        from . import receivers

        events.citizen_replied.connect(receivers.on_citizen_replied, dispatch_uid="travail.citizen_replied")
        events.document_returned.connect(receivers.on_document_returned, dispatch_uid="travail.document_returned")
