"""Signal receivers of the reference layer, connected in ``GrcConfig.ready``."""

from django.apps import apps as django_apps

from grc.services.territory import territory_ensure


def territory_post_migrate(sender, *, apps=None, using="default", **kwargs) -> None:
    """``post_migrate`` receiver: the reference is back after ``migrate`` or ``flush`` (see ``territory_ensure``).

    ``migrate`` passes its migration state's ``apps``; ``flush`` passes none (the installed models then).
    """
    models = (apps or django_apps).all_models.get("grc", {})
    if "commune" in models and "epci" in models:
        territory_ensure(commune_model=models["commune"], epci_model=models["epci"], using=using)
