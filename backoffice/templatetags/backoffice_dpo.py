"""Template helpers of the DPO console."""

from functools import lru_cache

from django import template
from django.apps import apps
from django.utils.text import capfirst

register = template.Library()


@register.filter
@lru_cache(maxsize=256)
def object_kind(label: str) -> str:
    """What an access-log row's ``object_type`` ("grc.citizen") is, as the DPO reads it ("Usager"); the label
    itself when it names no model (an object type of a version since removed)."""
    try:
        return str(capfirst(apps.get_model(label)._meta.verbose_name))
    except (LookupError, ValueError):
        return label
