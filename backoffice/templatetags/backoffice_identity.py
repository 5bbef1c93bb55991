"""Template helpers for the back-office navigation and dashboard (permission checks via grc.perms)."""

from django import template

from grc import perms
from grc.models import DuplicateSuspicion
from grc.selectors.identity import suspicions_for

register = template.Library()


@register.simple_tag(takes_context=True)
def can_merge_citizens(context) -> bool:
    """Whether the current user may work the duplicate suspicions and merges (grc.perms)."""
    request = context.get("request")
    return request is not None and perms.can_merge_citizens(request.user)


@register.simple_tag(takes_context=True)
def can_search_citizens(context) -> bool:
    request = context.get("request")
    return request is not None and perms.can_search_citizens(request.user)


@register.simple_tag(takes_context=True)
def open_suspicion_count(context):
    """Open duplicate suspicions, for mediators only (None for everybody else)."""
    request = context.get("request")
    if request is None or not perms.can_merge_citizens(request.user):
        return None
    return suspicions_for(user=request.user).filter(status=DuplicateSuspicion.Status.OPEN).count()
