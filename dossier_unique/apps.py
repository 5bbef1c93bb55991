from django.apps import AppConfig


class DossierUniqueConfig(AppConfig):
    name = "dossier_unique"
    verbose_name = "Dossier social unique"

    def ready(self):
        # Imported here, not at the top: models may only be imported once the app registry is ready.
        from grc import file_access, person_data_registry, retention_registry
        from grc.merge_registry import register

        from . import perms
        from .merge import SOCIAL_FILE_HANDLER
        from .person_data import FILES_SECTION
        from .retention import SOCIAL_FILE_PURPOSE
        from .timeline import SOCIAL_FILE_SOURCES, register_source

        register(SOCIAL_FILE_HANDLER)
        retention_registry.register(SOCIAL_FILE_PURPOSE)
        person_data_registry.register(FILES_SECTION)
        for source in SOCIAL_FILE_SOURCES:
            register_source(source)
        file_access.register(
            "dossier_unique",
            file_access.FileAccessSource(
                roles=frozenset(perms.FILE_ROLES), files_opened=perms.files_opened_by_membership
            ),
        )
