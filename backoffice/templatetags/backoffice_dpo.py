"""Template helpers of the DPO console."""

from functools import lru_cache

from django import template
from django.apps import apps
from django.utils.text import capfirst

register = template.Library()


@lru_cache(maxsize=1)
def _models_by_label() -> dict[str, type]:
    # Every model apps.get_model() would find, swapped or auto-created ones included, under the key it reads:
    # the app label as written and the model name in lower case.
    return {
        f"{model._meta.app_label}.{model._meta.model_name}": model
        for model in apps.get_models(include_auto_created=True, include_swapped=True)
    }


@register.filter
@lru_cache(maxsize=256)
def object_kind(label: str) -> str:
    """What an access-log row's ``object_type`` ("grc.citizen") is, as the DPO reads it ("Usager"); the label
    itself when it names no model (an object type of a version since removed)."""
    app_label, dot, model_name = label.partition(".")
    model = _models_by_label().get(f"{app_label}.{model_name.lower()}") if dot else None
    if model is None:
        return label
    return str(capfirst(model._meta.verbose_name))
