"""The observatory's filters (a GET form: a filtered page is a link one can share) and the export choice."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from observatoire.selectors import Filters, month_add

MAX_MONTHS = 60
FIRST_MONTH = datetime.date(2000, 1, 1)
LAST_MONTH = datetime.date(2099, 12, 1)


class MonthField(forms.CharField):
    """A month typed as YYYY-MM (``<input type="month">``), cleaned to its first day."""

    def __init__(self, **kwargs):
        super().__init__(widget=forms.TextInput(attrs={"type": "month", "maxlength": 7}), **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            year, month_number = (int(part) for part in value.split("-")) if len(value) == 7 else (0, 0)
            month = datetime.date(year, month_number, 1)
        except ValueError:
            raise ValidationError(_("Indiquez un mois sous la forme AAAA-MM, par exemple 2026-03.")) from None
        if not FIRST_MONTH <= month <= LAST_MONTH:
            raise ValidationError(_("Indiquez un mois entre 2000 et 2099."))
        return month


class GroupedSelect(forms.Select):
    """A select of a few hundred options (every commune, EPCI, CDAS), written in Python: Django renders each
    option through its own template, which cost about a third of the observatory page."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = {str(v) for v in self.format_value(value)}
        attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})

        def options(choices):
            return format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                ((key, mark_safe(" selected") if str(key) in chosen else "", label) for key, label in choices),
            )

        parts = [
            format_html('<optgroup label="{}">{}</optgroup>', group, options(choices))
            if isinstance(choices, list | tuple)
            else options([(group, choices)])
            for group, choices in self.choices
        ]
        return format_html("<select{}>{}</select>", flatatt(attrs), mark_safe("".join(parts)))  # noqa: S308


class FilterForm(forms.Form):
    debut = MonthField(label=gettext_lazy("Du mois"), required=False)
    fin = MonthField(label=gettext_lazy("Au mois (inclus)"), required=False)
    territoire = forms.ChoiceField(label=gettext_lazy("Territoire"), required=False, widget=GroupedSelect)
    programme = forms.ChoiceField(label=gettext_lazy("Programme"), required=False)
    carte = forms.ChoiceField(
        label=gettext_lazy("Carte"),
        required=False,
        choices=[("demandes", gettext_lazy("Demandes déposées")), ("aides", gettext_lazy("Aides numériques"))],
    )
    niveau = forms.ChoiceField(
        label=gettext_lazy("Carte par"),
        required=False,
        choices=[("commune", gettext_lazy("Commune")), ("epci", gettext_lazy("EPCI"))],
    )

    def __init__(self, *args, choices: dict, **kwargs):
        super().__init__(*args, **kwargs)
        groups = [
            (gettext_lazy("Agences"), "agence"),
            (gettext_lazy("CDAS"), "cdas"),
            (gettext_lazy("EPCI"), "epci"),
            (gettext_lazy("Communes"), "commune"),
        ]
        self.fields["territoire"].choices = [("", _("Tout le Département"))] + [
            (str(label), [(f"{kind}:{key}", name) for key, name in choices[kind]]) for label, kind in groups
        ]
        self.fields["programme"].choices = [("", _("Tous les programmes"))] + list(choices["programme"])

    def clean(self):
        data = super().clean()
        default = Filters.default()
        start, end = data.get("debut") or None, data.get("fin") or None
        if start is None and end is None:
            start, end = default.start, default.end
        elif start is None:
            start = month_add(end, -11)
        elif end is None:
            end = max(start, min(month_add(start, 11), default.end))
        if start and end and start > end:
            raise ValidationError(_("Le premier mois doit précéder le dernier."))
        if start and end and month_add(start, MAX_MONTHS) <= end:
            raise ValidationError(_("Choisissez une période de 5 ans au plus."))
        data["debut"], data["fin"] = start, end
        return data

    def filters(self) -> Filters:
        """The filters of a valid form (the defaults when it is not)."""
        if not self.is_valid():
            return Filters.default()
        kind, _sep, key = (self.cleaned_data.get("territoire") or "").partition(":")
        return Filters(
            start=self.cleaned_data["debut"],
            end=self.cleaned_data["fin"],
            territory_kind=kind,
            territory=key,
            programme=self.cleaned_data.get("programme") or "",
        )
