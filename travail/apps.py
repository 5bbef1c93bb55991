from django.apps import AppConfig


class TravailConfig(AppConfig):
    name = "travail"
    label = "travail"
    verbose_name = "Travail des agents"

    def ready(self):
        # Imported here: receivers use models, which exist only once the registry is ready.
        from demandes import events
        from dossier_unique.models import TimelineEntry
        from dossier_unique.timeline import TimelineSource, register_source
        from grc import person_data_registry, retention_registry
        from grc.merge_registry import register
        from rendezvous import events as rdv_events

        from . import receivers
        from .letters_person_data import SENT_LETTERS_SECTION
        from .letters_retention import WITH_FILES, WITH_REQUESTS
        from .letters_services import LETTERS_MERGE_HANDLER

        register(LETTERS_MERGE_HANDLER)
        person_data_registry.register(SENT_LETTERS_SECTION)
        retention_registry.extend(WITH_REQUESTS)
        retention_registry.extend(WITH_FILES)

        register_source(TimelineSource("travail.outgoingletter", frozenset({TimelineEntry.Kind.OUTGOING_LETTER})))

        events.citizen_replied.connect(receivers.on_citizen_replied, dispatch_uid="travail.citizen_replied")
        events.document_returned.connect(receivers.on_document_returned, dispatch_uid="travail.document_returned")
        # An invitation to book that expired unanswered becomes a task; it closes once nobody needs to call back.
        expired, closed = rdv_events.invitation_expired, rdv_events.invitation_closed
        expired.connect(receivers.on_invitation_expired, dispatch_uid="travail.invitation_expired")
        closed.connect(receivers.on_invitation_closed, dispatch_uid="travail.invitation_closed")
        # ... and opens again when the booking that closed it is cancelled with nothing else answering.
        reopened = rdv_events.invitation_reopened
        reopened.connect(receivers.on_invitation_reopened, dispatch_uid="travail.invitation_reopened")
