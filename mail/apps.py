from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "mail"
    label = "mail"
    verbose_name = "Courrier entrant"

    def ready(self):
        # Imported here, not at the top: models may only be imported once the app registry is ready.
        from dossier_unique.models import TimelineEntry
        from dossier_unique.timeline import TimelineSource, register_source
        from grc import person_data_registry, retention_registry
        from grc.merge_registry import register

        from .classifier.retention import MODEL_ARTEFACTS
        from .merge import MAIL_HANDLER
        from .person_data import LETTERS_SECTION
        from .retention import MAIL_PURPOSE

        register(MAIL_HANDLER)
        retention_registry.register(MAIL_PURPOSE)
        retention_registry.extend(MODEL_ARTEFACTS)
        person_data_registry.register(LETTERS_SECTION)
        register_source(TimelineSource(model_label="mail.mailitem", kinds=frozenset({TimelineEntry.Kind.MAIL_ROUTED})))
