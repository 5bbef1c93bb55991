"""Template helpers for the link to the possible non-recours (navigation): ``droits.perms``."""

from django import template

from droits import perms

register = template.Library()


@register.simple_tag(takes_context=True)
def can_list_non_recours(context) -> bool:
    """Whether the current user opens the "Non-recours possible" list (no query beyond cached memberships)."""
    request = context.get("request")
    return request is not None and perms.can_list_non_recours(request.user)
