"""Annuaire social: the directory of social structures and their services, on the data·inclusion v1 schema.

Sits beside requests, on the services-to-people layer: it reads the territory reference and writes orientations
to the social file's timeline; the map of digital-inclusion places (mednum), the portal and the back office use
it, never the reverse.
"""

from django.apps import AppConfig


class AnnuaireConfig(AppConfig):
    name = "annuaire"
    label = "annuaire"
    verbose_name = "Annuaire social"

    def ready(self):
        # Imported here, not at the top: models may only be imported once the app registry is ready.
        from dossier_unique.models import TimelineEntry
        from dossier_unique.timeline import TimelineSource, register_source

        from .models import Service, Structure
        from .moderation import register_moderated
        from .validation import SERVICE_EDITABLE, STRUCTURE_EDITABLE, service_validate, structure_validate

        register_moderated(Structure, fields=STRUCTURE_EDITABLE, validate=structure_validate)
        register_moderated(Service, fields=SERVICE_EDITABLE, validate=service_validate)
        # An orientation to a service, recorded from a social file, is on the person's timeline.
        register_source(
            TimelineSource(model_label="annuaire.service", kinds=frozenset({TimelineEntry.Kind.ORIENTATION}))
        )
