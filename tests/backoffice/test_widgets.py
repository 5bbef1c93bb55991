import re

import pytest
from django import forms

from backoffice.widgets import FastSelect

CHOICES = [("", "— Aucune —"), (1, "PMI — CDAS Vitré"), (2, "ASE & <Fougères>"), (3, "Courrier")]


def _compact(html: str) -> str:
    return re.sub(r">\s+<", "><", str(html)).strip()


@pytest.mark.parametrize("value", [None, "", 2, "3"])
def test_fast_select_renders_what_django_renders(value):
    class Form(forms.Form):
        slow = forms.TypedChoiceField(choices=CHOICES, coerce=int, required=False)
        fast = forms.TypedChoiceField(choices=CHOICES, coerce=int, required=False, widget=FastSelect)

    form = Form(initial={"slow": value, "fast": value})
    slow = _compact(form["slow"]).replace('name="slow" id="id_slow"', "X")
    fast = _compact(form["fast"]).replace('name="fast" id="id_fast"', "X")
    assert fast == slow
    assert "&lt;Fougères&gt;" in fast


def test_fast_select_keeps_error_attributes_for_assistive_technologies():
    class Form(forms.Form):
        slow = forms.TypedChoiceField(choices=CHOICES, coerce=int)
        fast = forms.TypedChoiceField(choices=CHOICES, coerce=int, widget=FastSelect)

    form = Form(data={"slow": "99", "fast": "99"})
    fast = _compact(form["fast"])
    assert 'aria-invalid="true"' in fast
    assert 'aria-describedby="id_fast_error"' in fast
    assert " required" in fast
    assert fast.replace("fast", "slow") == _compact(form["slow"])
