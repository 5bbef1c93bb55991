from django.apps import AppConfig


class AnnuaireConfig(AppConfig):
    name = "annuaire"
    label = "annuaire"
    verbose_name = "Annuaire social"
