from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "mail"
    label = "mail"
    verbose_name = "Courrier entrant"

    def ready(self):
        # Imported here, not at the top: models may only be imported once the app registry is ready.
        from dossier_unique.models import TimelineEntry
        from dossier_unique.timeline import TimelineSource, register_source
        from grc.merge_registry import register

        from .merge import MAIL_HANDLER

        register(MAIL_HANDLER)
        register_source(TimelineSource(model_label="mail.mailitem", kinds=frozenset({TimelineEntry.Kind.MAIL_ROUTED})))
