"""Every form field names its help text and errors for screen readers, filled in or not."""

import re

from django import forms
from django.template import Context, Template

from backoffice.citizens.forms import CitizenSearchForm


class LetterForm(forms.Form):
    reference = forms.CharField(label="Référence", help_text="Par exemple 2026-C-000007.")
    kind = forms.ChoiceField(
        label="Type", choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect, help_text="Un seul choix."
    )


def _render(form):
    return Template('{% for field in form %}{% include "includes/field.html" %}{% endfor %}').render(
        Context({"form": form})
    )


def _described_ids_exist(html):
    ids = set(re.findall(r'id="([^"]+)"', html))
    described = [i for value in re.findall(r'aria-describedby="([^"]+)"', html) for i in value.split()]
    assert described
    return [i for i in described if i not in ids]


def test_an_empty_form_points_at_its_help_texts():
    html = _render(LetterForm())
    assert 'aria-describedby="id_reference_help"' in html
    assert _described_ids_exist(html) == []


def test_a_refused_form_points_at_help_and_errors():
    form = LetterForm(data={"reference": "", "kind": "z"})
    assert not form.is_valid()
    html = _render(form)
    assert 'aria-describedby="id_reference_help id_reference_error"' in html
    assert 'aria-invalid="true"' in html
    assert _described_ids_exist(html) == []


def test_the_back_office_forms_too():
    assert _described_ids_exist(_render(CitizenSearchForm())) == []


def test_the_error_summary_links_reach_an_element_even_for_radio_buttons():
    form = LetterForm(data={"reference": "", "kind": "z"})
    assert not form.is_valid()
    html = Template(
        '{% include "includes/form_errors.html" %}{% for field in form %}{% include "includes/field.html" %}'
        "{% endfor %}"
    ).render(Context({"form": form}))
    targets = re.findall(r'href="#([^"]+)"', html)
    assert targets == ["id_reference", "id_kind_0"]
    ids = set(re.findall(r'id="([^"]+)"', html))
    assert set(targets) <= ids
