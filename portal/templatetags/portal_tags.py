"""Template helpers of the portal: the catalogue's URL, accessible fields."""

from __future__ import annotations

from django import template
from django.forms import CheckboxInput

from grc.templatetags.grc_forms import field_widget, is_multiple_choice
from portal.forms import ProcedureFileField
from portal.models import ProcedureIndexPage, ProcedurePage

register = template.Library()


@register.simple_tag(takes_context=True)
def catalogue_url(context):
    """The URL of the procedure catalogue (first live ``ProcedureIndexPage``), cached on the request."""
    request = context.get("request")
    cached = getattr(request, "_portal_catalogue_url", None) if request is not None else None
    if cached is not None:
        return cached
    # Known without a query on the portal's own pages: the catalogue itself, the home page's
    # context, or a procedure's parent (procedures live only under the catalogue).
    current = context.get("page")
    catalogue = context.get("catalogue")
    if isinstance(current, ProcedureIndexPage):
        catalogue = current
    if catalogue is not None:
        url = catalogue.get_url(request) or "/"
    elif isinstance(current, ProcedurePage) and current.get_url(request):
        own = current.get_url(request)
        url = own[: own.rstrip("/").rfind("/") + 1]
    else:
        page = ProcedureIndexPage.objects.live().only("id", "url_path", "path", "depth").first()
        url = page.get_url(request) if page is not None else "/"
    if request is not None:
        request._portal_catalogue_url = url
    return url


# The portal's templates load them from here too.
register.simple_tag(field_widget)
register.filter(is_multiple_choice)


@register.filter
def is_file_field(bound_field):
    return isinstance(bound_field.field, ProcedureFileField)


@register.filter
def is_checkbox(bound_field):
    return isinstance(bound_field.field.widget, CheckboxInput)
