"""Template tags of the back office's appointments area (who sees its navigation entry)."""

from django import template

from rendezvous.agent_perms import can_use_agendas as _can_use_agendas

register = template.Library()


@register.simple_tag(takes_context=True)
def can_use_agendas(context) -> bool:
    """Whether the user may open the appointments area (``rendezvous.agent_perms.can_use_agendas``)."""
    return _can_use_agendas(context.get("user"))
