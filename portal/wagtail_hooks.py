"""Wagtail admin registrations of the portal: procedure themes are snippets functional admins manage."""

from wagtail import hooks
from wagtail.snippets.models import register_snippet

from portal.cache import mark_portal_page
from portal.models import ProcedureTheme

register_snippet(ProcedureTheme)


@hooks.register("before_serve_page")
def flag_portal_page(page, request, serve_args, serve_kwargs):
    """Portal pages may be served from the anonymous page cache (``portal.cache``)."""
    if page._meta.app_label == "portal":
        mark_portal_page(request=request, page=page)
