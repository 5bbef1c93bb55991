from django.apps import AppConfig


class GrcConfig(AppConfig):
    name = "grc"
    verbose_name = "Référentiel usagers et organisation"

    def ready(self):
        from grc import checks, merge_handlers, person_data, person_data_registry  # noqa: F401  (registers the system checks and built-in merge handlers)

        for section in person_data.SECTIONS:
            person_data_registry.register(section)
