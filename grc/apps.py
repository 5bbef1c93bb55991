from django.apps import AppConfig
from django.db.models.signals import post_migrate


class GrcConfig(AppConfig):
    name = "grc"
    verbose_name = "Référentiel usagers et organisation"

    def ready(self):
        from grc import checks, merge_handlers, person_data, person_data_registry  # noqa: F401  (registers the system checks and built-in merge handlers)
        from grc.receivers import territory_post_migrate

        for section in person_data.SECTIONS:
            person_data_registry.register(section)
        # The territory reference is data every database needs: back after migrate and after a flush.
        post_migrate.connect(territory_post_migrate, sender=self, dispatch_uid="grc.territory")
