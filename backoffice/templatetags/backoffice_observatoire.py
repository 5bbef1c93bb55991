"""Template tags of the back office's observatory area (who sees its navigation entry)."""

from django import template

from observatoire.perms import can_view_observatory as _can_view_observatory

register = template.Library()


@register.simple_tag(takes_context=True)
def can_view_observatory(context) -> bool:
    """Whether the user may open the observatory (``observatoire.perms.can_view_observatory``)."""
    return _can_view_observatory(context.get("user"))
