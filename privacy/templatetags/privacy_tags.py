"""Navigation helper of the privacy area (reads the roles cached by ``grc.perms.current_roles``)."""

from django import template

from privacy.perms import is_dpo

register = template.Library()


@register.simple_tag(takes_context=True)
def privacy_is_dpo(context) -> bool:
    request = context.get("request")
    return bool(request is not None and is_dpo(request.user))
