from django.apps import AppConfig


class RequestsConfig(AppConfig):
    name = "demandes"
    label = "grc_requests"
    verbose_name = "Demandes"

    def ready(self):
        # Imported here, not at the top: models may only be imported once the app registry is ready.
        from dossier_unique.models import TimelineEntry
        from dossier_unique.timeline import TimelineSource, register_source
        from grc import person_data_registry, retention_registry
        from grc.merge_registry import register

        from .merge import REQUESTS_HANDLER
        from .person_data import REQUESTS_SECTION
        from .retention import REQUEST_PURPOSE

        register(REQUESTS_HANDLER)
        retention_registry.register(REQUEST_PURPOSE)
        person_data_registry.register(REQUESTS_SECTION)
        kinds = TimelineEntry.Kind
        register_source(
            TimelineSource(
                model_label="grc_requests.request",
                kinds=frozenset({kinds.REQUEST_SUBMITTED, kinds.REQUEST_STATUS, kinds.REQUEST_MESSAGE}),
            )
        )
