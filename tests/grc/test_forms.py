"""A service's refusal lands on the field the person typed in, in the service's French words."""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError

from grc.forms import add_service_error


class LetterForm(forms.Form):
    tracking_code = forms.CharField(required=False)
    reason = forms.CharField(required=False)


def _form():
    form = LetterForm(data={"tracking_code": "X", "reason": "r"})
    assert form.is_valid()
    return form


def test_field_errors_go_on_their_field_and_unknown_fields_on_the_default():
    form = _form()
    error = ValidationError({"reason": "Motif trop court.", "team": ["Équipe fermée.", "Choisissez-en une autre."]})
    add_service_error(form, error, default_field="reason")
    assert form.errors == {"reason": ["Motif trop court.", "Équipe fermée.", "Choisissez-en une autre."]}


def test_a_service_name_is_mapped_to_the_forms_field():
    form = _form()
    error = ValidationError({"request": "Code de suivi inconnu."})
    add_service_error(form, error, fields={"request": "tracking_code"})
    assert form.errors == {"tracking_code": ["Code de suivi inconnu."]}


def test_a_message_without_field_is_for_the_whole_form():
    form = _form()
    add_service_error(form, ValidationError("Ce courrier est déjà aiguillé."))
    assert form.non_field_errors() == ["Ce courrier est déjà aiguillé."]


def test_permission_denied_says_what_the_service_said_or_that_it_is_not_allowed():
    form = _form()
    add_service_error(form, PermissionDenied("Seul le service courrier peut relancer une reconnaissance."))
    add_service_error(form, PermissionDenied())
    assert form.non_field_errors() == [
        "Seul le service courrier peut relancer une reconnaissance.",
        "Vous n'avez pas le droit de faire cette opération.",
    ]
