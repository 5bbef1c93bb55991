"""Template helpers for the links to the digital-help form (home card, social file page): ``accueil.perms``."""

from django import template

from accueil import perms

register = template.Library()


@register.simple_tag(takes_context=True)
def can_record_help_sessions(context) -> bool:
    """Whether the current user records digital-help sessions somewhere (one query, cached on the request)."""
    request = context.get("request")
    if request is None:
        return False
    if not hasattr(request, "_accueil_can_record"):
        request._accueil_can_record = perms.can_record_help_sessions(request.user)
    return request._accueil_can_record
