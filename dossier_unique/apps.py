from django.apps import AppConfig


class DossierUniqueConfig(AppConfig):
    name = "dossier_unique"
    verbose_name = "Dossier social unique"

    def ready(self):
        # Imported here, not at the top: models may only be imported once the app registry is ready.
        from grc import file_access
        from grc.merge_registry import register

        from . import perms
        from .merge import SOCIAL_FILE_HANDLER
        from .timeline import SOCIAL_FILE_SOURCES, register_source

        register(SOCIAL_FILE_HANDLER)
        for source in SOCIAL_FILE_SOURCES:
            register_source(source)
        file_access.register(
            "dossier_unique",
            file_access.FileAccessSource(
                roles=frozenset(perms.FILE_ROLES), files_opened=perms.files_opened_by_membership
            ),
        )
