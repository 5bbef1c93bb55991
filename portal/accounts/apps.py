from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "portal.accounts"
    label = "portal_accounts"
    verbose_name = "Comptes usagers du portail"

    def ready(self):
        # What the portal keeps about account holders joins the retention purposes and the person's data.
        from grc import person_data_registry, retention_registry

        from .person_data import ACCOUNT_SECTION
        from .retention import ACCOUNT_CLOSING, REGISTER_DELETIONS

        retention_registry.extend(ACCOUNT_CLOSING)
        retention_registry.extend(REGISTER_DELETIONS)
        person_data_registry.register(ACCOUNT_SECTION)
