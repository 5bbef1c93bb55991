"""What every form view does with a service's refusal."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _


def add_service_error(form, error: ValidationError | PermissionDenied, *, default_field=None, fields=None) -> None:
    """Show a service's refusal on ``form``, in the service's French words.

    A ``ValidationError`` naming fields puts each message on the form's field of that name (``fields`` maps a
    service's field name to the form's when they differ), else on ``default_field`` (``None``: the whole
    form). A ``PermissionDenied`` says what the service said, or that the operation is not allowed."""
    if isinstance(error, PermissionDenied):
        form.add_error(None, str(error) or _("Vous n'avez pas le droit de faire cette opération."))
        return
    if not hasattr(error, "error_dict"):
        form.add_error(default_field, error.messages)
        return
    fields = fields or {}
    for name, errors in error.error_dict.items():
        target = fields.get(name, name)
        form.add_error(target if target in form.fields else default_field, [m for e in errors for m in e.messages])
