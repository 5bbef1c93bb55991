"""Template helpers for the social-file links in the navigation and on the citizen page (dossier_unique.perms)."""

from django import template

from dossier_unique import perms
from dossier_unique.selectors import file_to_break_glass_on, files_for
from grc.perms import current_roles

register = template.Library()


# The navigation reads the roles cached on the user by ``grc.perms.current_roles`` (same rules as
# ``perms.can_take_emergency_access`` / ``can_review_emergency_accesses``) so it adds no query per page.


@register.simple_tag(takes_context=True)
def can_follow_files(context) -> bool:
    """Whether the current user holds a file role (has a caseload)."""
    request = context.get("request")
    return bool(
        request is not None and perms.is_agent(request.user) and current_roles(request.user) & set(perms.FILE_ROLES)
    )


@register.simple_tag(takes_context=True)
def can_review_emergency_accesses(context) -> bool:
    """Whether the current user is the DPO (reviews emergency accesses)."""
    request = context.get("request")
    return request is not None and perms.can_review_emergency_accesses(request.user)


@register.simple_tag(takes_context=True)
def social_file_link(context, citizen):
    """How the citizen page links to the social file: ``{"file_pk": …}`` when the user may see it,
    ``{"emergency": True}`` when they may break the glass, else ``{}``. Reads no file content."""
    request = context.get("request")
    if request is None or not perms.can_take_emergency_access(request.user):
        return {}
    file_pk = files_for(user=request.user).filter(citizen_id=citizen.pk).values_list("pk", flat=True).first()
    if file_pk is not None:
        return {"file_pk": file_pk}
    return {"emergency": True, "exists": file_to_break_glass_on(user=request.user, citizen_id=citizen.pk) is not None}
