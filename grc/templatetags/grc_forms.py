"""Accessible form fields, for every template that renders one (``includes/field.html`` and the portal's)."""

from django import template
from django.forms import CheckboxSelectMultiple, RadioSelect

register = template.Library()


@register.simple_tag
def field_widget(bound_field):
    """The field's widget with ``aria-describedby`` naming its help text (``<id>_help``), the file already kept
    (``<id>_kept``, portal uploads) and its errors (``<id>_error``), as the templates give those ids; and
    ``aria-invalid`` when it has errors. Bound or not: Django's own default points at ``<id>_helptext``, which
    no template of ours writes."""
    ids = []
    if bound_field.help_text:
        ids.append(f"{bound_field.auto_id}_help")
    if getattr(bound_field.field, "existing_name", ""):
        ids.append(f"{bound_field.auto_id}_kept")
    if bound_field.errors:
        ids.append(f"{bound_field.auto_id}_error")
    attrs = {"aria-describedby": " ".join(ids)} if ids else {}
    if bound_field.errors:
        attrs["aria-invalid"] = "true"
    return bound_field.as_widget(attrs=attrs)


@register.filter
def is_multiple_choice(bound_field) -> bool:
    """Radio buttons or checkboxes: the field has no element of its own id, its first choice is ``<id>_0``."""
    return isinstance(bound_field.field.widget, RadioSelect | CheckboxSelectMultiple)


@register.filter
def error_anchor(bound_field) -> str:
    """Where an error summary's link to ``bound_field`` goes: its input, or the first of its choices."""
    return f"#{bound_field.auto_id}_0" if is_multiple_choice(bound_field) else f"#{bound_field.auto_id}"
