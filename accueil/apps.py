"""Accueil numérique social: graded digital help (coup de pouce to substitution) recorded by CDAS agents.

Sits on the layer of requests, mail and appointments: it writes to the social file's timeline and reads the
citizen reference; the observatory, the portal and the back office use it, never the reverse.
"""

from django.apps import AppConfig


class AccueilConfig(AppConfig):
    name = "accueil"
    label = "accueil"
    verbose_name = "Accueil numérique social"

    def ready(self):
        # Imported here, not at the top: models may only be imported once the app registry is ready.
        from dossier_unique.models import TimelineEntry
        from dossier_unique.timeline import TimelineSource, register_source
        from grc import person_data_registry, retention_registry
        from grc.merge_registry import register

        from .merge import HELP_SESSIONS_HANDLER
        from .person_data import HELP_SESSIONS_SECTION
        from .retention import HELP_SESSION_PURPOSE

        register(HELP_SESSIONS_HANDLER)
        person_data_registry.register(HELP_SESSIONS_SECTION)
        retention_registry.register(HELP_SESSION_PURPOSE)
        register_source(
            TimelineSource(model_label="accueil.helpsession", kinds=frozenset({TimelineEntry.Kind.HELP_SESSION}))
        )
