"""Template helpers of the agent's day (tasks, corrections)."""

from django import template

from dossier_unique import perms as file_perms

register = template.Library()


@register.simple_tag(takes_context=True)
def can_edit_note(context, note) -> bool:
    """The current user may still correct ``note`` (``dossier_unique.perms.can_edit_note``)."""
    request = context.get("request")
    return request is not None and file_perms.can_edit_note(request.user, note)
